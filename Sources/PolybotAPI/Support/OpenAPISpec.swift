import Foundation

/// The API's routes, documented once: the OpenAPI document served at `/api/v1/openapi.json` is built from this table,
/// and the tests walk it to prove every documented route answers (and needs a token where it says so).
package enum OpenAPISpec {
    package struct Route: Sendable {
        package var method: String
        package var path: String
        package var summary: String
        package var query: [String]
        package var body: [String]
        package var auth: Bool
    }

    package static let routes: [Route] = [
        .init(
            method: "post", path: "/api/v1/login", summary: "Operator login: {password} → {token, role, expiresAt}",
            query: [], body: ["password"], auth: false),
        .init(method: "get", path: "/api/v1/openapi.json", summary: "This document", query: [], body: [], auth: false),
        .init(
            method: "get", path: "/api/v1/overview",
            summary: "Equity, PnL today/total, exposure, trading state, feed health", query: [], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/whales", summary: "Tracked wallets with latest score, class and sparkline",
            query: ["limit", "offset", "sort", "order", "class", "list", "tag", "q"], body: [], auth: true),
        .init(
            method: "post", path: "/api/v1/whales", summary: "Track a wallet", query: [],
            body: ["address", "label", "tags", "notes"], auth: true),
        .init(
            method: "get", path: "/api/v1/whales/{address}",
            summary: "A wallet: score history, features behind its class, recent trades",
            query: ["history"], body: [], auth: true),
        .init(
            method: "patch", path: "/api/v1/whales/{address}",
            summary: "Label, tag, allow/deny (listStatus), track/untrack",
            query: [], body: ["label", "tags", "listStatus", "tracked", "notes"], auth: true),
        .init(
            method: "delete", path: "/api/v1/whales/{address}", summary: "Stop tracking a wallet", query: [], body: [],
            auth: true),
        .init(method: "get", path: "/api/v1/baskets", summary: "Baskets with members", query: [], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/markets/{conditionId}",
            summary: "A stored market with its fees (status not_stated/free/charged/uncomputable, rate, exponent)",
            query: [], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/markets",
            summary:
                "Titles, outcomes, category and resolution of markets (ids: up to 500 condition ids, comma-separated)",
            query: ["ids"], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/leaderboard",
            summary:
                "Every scored wallet from its latest snapshot: edge, its one-sided 95 % lower bound, q-value, resolved markets, markouts, categories, copyability with its interval or too few to judge (sort edgeLowerBound, qValue, copyability, resolvedMarkets, edge, volume, address)",
            query: ["limit", "offset", "sort", "order", "class", "category"], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/whales/{address}/profile",
            summary:
                "A wallet's profile: score history (edge, interval, q-value), class basis, equity of resolved positions, calibration buckets with Wilson intervals, categories, hour × weekday activity, copyability, recent trades, baskets",
            query: [], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/signals/ledger",
            summary:
                "Every signal with its entry, denial reason and grade (won/lost, PnL after fees, or what a not-filled signal would have made), and each basket's running hit rate and return",
            query: ["limit", "before"], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/exposure", summary: "Open positions' cost and unrealised PnL by event",
            query: [], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/backtests", summary: "Stored backtest runs, newest first (no reports)",
            query: ["limit"], body: [], auth: true),
        .init(
            method: "post", path: "/api/v1/backtests",
            summary:
                "Start a walk-forward backtest on the stored history (202; one at a time: 409 while one runs; audited)",
            query: [], body: ["rescoreEvery", "basket", "minMembers", "minNotional", "fees", "baselines"], auth: true),
        .init(
            method: "get", path: "/api/v1/backtests/{id}",
            summary:
                "A backtest run with its options and report (verdict and its three tests, sensitivity, signals with tape fills, equity, drawdown, baselines, copyability)",
            query: [], body: [], auth: true),
        .init(
            method: "get", path: "/vendor/chart.min.js", summary: "The dashboard's chart library (Debian's Chart.js)",
            query: [], body: [], auth: false),
        .init(
            method: "post", path: "/api/v1/baskets", summary: "Create a basket", query: [],
            body: [
                "name", "category", "description", "windowHours", "minMembers", "consensusRatio", "minUpside",
                "enabled",
            ], auth: true),
        .init(method: "get", path: "/api/v1/baskets/{id}", summary: "A basket", query: [], body: [], auth: true),
        .init(
            method: "patch", path: "/api/v1/baskets/{id}", summary: "Change a basket", query: [],
            body: [
                "name", "category", "description", "windowHours", "minMembers", "consensusRatio", "minUpside",
                "enabled",
            ], auth: true),
        .init(
            method: "delete", path: "/api/v1/baskets/{id}", summary: "Delete a basket", query: [], body: [], auth: true),
        .init(
            method: "put", path: "/api/v1/baskets/{id}/members/{address}", summary: "Add a member (tracks the wallet)",
            query: [], body: ["weightBps"], auth: true),
        .init(
            method: "delete", path: "/api/v1/baskets/{id}/members/{address}", summary: "Remove a member", query: [],
            body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/trades", summary: "Whale trades, newest first",
            query: ["limit", "before", "wallet", "market", "side", "minNotional"], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/signals", summary: "Copy signals with provenance",
            query: ["limit", "before", "status"], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/orders", summary: "Our orders", query: ["limit", "before", "status"],
            body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/orders/{id}", summary: "An order and its event history", query: [], body: [],
            auth: true),
        .init(
            method: "get", path: "/api/v1/positions", summary: "Our positions", query: ["limit", "status"], body: [],
            auth: true),
        .init(
            method: "get", path: "/api/v1/pnl/daily", summary: "Daily PnL series", query: ["days"], body: [], auth: true
        ),
        .init(
            method: "get", path: "/api/v1/risk/decisions", summary: "Risk decisions with reason codes and numbers",
            query: ["limit", "before", "denied"], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/approvals", summary: "Orders waiting for an operator (approve mode)",
            query: [], body: [], auth: true),
        .init(
            method: "post", path: "/api/v1/approvals/{id}/approve", summary: "Approve and execute a queued order",
            query: [], body: [], auth: true),
        .init(
            method: "post", path: "/api/v1/approvals/{id}/reject", summary: "Reject a queued order", query: [],
            body: ["reason"], auth: true),
        .init(
            method: "get", path: "/api/v1/trading-state", summary: "The trading state", query: [], body: [], auth: true),
        .init(
            method: "put", path: "/api/v1/trading-state", summary: "Kill switch: active | reduce_only | halted",
            query: [], body: ["state", "reason"], auth: true),
        .init(
            method: "get", path: "/api/v1/cooldowns", summary: "Cooldown locks in force", query: [], body: [],
            auth: true),
        .init(
            method: "post", path: "/api/v1/cooldowns", summary: "Lock a market, wallet or basket for N minutes",
            query: [],
            body: ["scope", "value", "minutes", "reason"], auth: true),
        .init(
            method: "get", path: "/api/v1/config", summary: "Effective configuration, secrets redacted", query: [],
            body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/settings", summary: "Operator settings (filters, lists, risk caps, sizing)",
            query: [], body: [], auth: true),
        .init(
            method: "put", path: "/api/v1/settings",
            summary: "Change settings: validated, persisted, audited, applied without restart",
            query: [], body: ["key", "value"], auth: true),
        .init(method: "get", path: "/api/v1/audit", summary: "The audit log", query: ["limit"], body: [], auth: true),
        .init(
            method: "post", path: "/api/v1/stream/ticket",
            summary: "A single-use ticket (30 s) for opening the stream from a browser",
            query: [], body: [], auth: true),
        .init(
            method: "get", path: "/api/v1/stream",
            summary:
                "WebSocket of live events ({seq,type,data}); ?ticket=…&cursor=<seq> (or an Authorization header) catches up",
            query: ["ticket", "cursor"], body: [], auth: true),
    ]

    /// The OpenAPI 3.0 document.
    package static let document: String = {
        var paths: [String: [String: Any]] = [:]
        for r in routes {
            var op: [String: Any] = [
                "summary": r.summary,
                "responses": [
                    "200": ["description": "OK (JSON)"],
                    "400": ["description": "{error} — invalid input"],
                    "401": ["description": "{error} — missing or bad token"],
                    "429": ["description": "{error} — too many attempts (Retry-After)"],
                ],
            ]
            var params: [[String: Any]] = r.query.map {
                ["name": $0, "in": "query", "required": false, "schema": ["type": "string"]]
            }
            for name in ["address", "id"] where r.path.contains("{\(name)}") {
                params.append(["name": name, "in": "path", "required": true, "schema": ["type": "string"]])
            }
            if !params.isEmpty { op["parameters"] = params }
            if !r.body.isEmpty {
                op["requestBody"] = [
                    "content": [
                        "application/json": [
                            "schema": [
                                "type": "object",
                                "properties": Dictionary(uniqueKeysWithValues: r.body.map { ($0, ["type": "string"]) }),
                            ]
                        ]
                    ]
                ]
            }
            op["security"] = r.auth ? [["bearer": [String]()]] : [[String: [String]]]()
            paths[r.path, default: [:]][r.method] = op
        }
        let doc: [String: Any] = [
            "openapi": "3.0.3",
            "info": [
                "title": "Polybot API", "version": "1",
                "description":
                    "Money and prices are decimal strings (6-decimal fixed point). Errors are {\"error\": message}.",
            ],
            "components": [
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT or read-only token"]
                ]
            ],
            "paths": paths,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }()
}
