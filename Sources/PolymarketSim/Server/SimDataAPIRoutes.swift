import Foundation
import Hummingbird
import HummingbirdWebSocket
import PolybotCore
import Polymarket

/// Data API routes over the published history, with the real parameter ranges and offset caps.
enum SimDataAPIRoutes {
    static func add(to group: RouterGroup<BasicWebSocketRequestContext>, exchange: SimExchange) {
        group.get("/trades") { request, _ -> Response in
            let limit = Int(request.query("limit") ?? "100") ?? -1
            let offset = Int(request.query("offset") ?? "0") ?? -1
            guard (0...10_000).contains(limit) else {
                return SimServer.error("limit must be between 0 and 10000", status: .badRequest)
            }
            guard (0...10_000).contains(offset) else {
                return SimServer.error("offset must be between 0 and 10000", status: .badRequest)
            }
            var user: Address?
            if let u = request.query("user") {
                // A comma list returns [] like the real API.
                guard let a = Address(u) else { return SimJSON.emptyArray }
                user = a
            }
            if request.query("market") != nil && request.query("eventId") != nil {
                return SimServer.error("market and eventId are mutually exclusive", status: .badRequest)
            }
            let markets = Set((request.query("market") ?? "").split(separator: ",").map { $0.lowercased() })
            var side: TradeSide?
            if let s = request.query("side") {
                guard let v = TradeSide(rawValue: s) else {
                    return SimServer.error("invalid side", status: .badRequest)
                }
                side = v
            }
            var minCash: Micros?
            var minTokens: Micros?
            if let type = request.query("filterType") {
                guard let amount = request.query("filterAmount").flatMap({ Micros(decimal: $0) }), amount >= .zero
                else {
                    return SimServer.error("filterType must be paired with filterAmount", status: .badRequest)
                }
                switch type {
                case "CASH": minCash = amount
                case "TOKENS": minTokens = amount
                default: return SimServer.error("filterType must be CASH or TOKENS", status: .badRequest)
                }
            } else if request.query("filterAmount") != nil {
                return SimServer.error("filterAmount must be paired with filterType", status: .badRequest)
            }
            let rows = await exchange.publishedTrades(
                user: user, markets: markets, side: side, minCash: minCash, minTokens: minTokens)
            let page = rows.dropFirst(offset).prefix(limit)
            return SimServer.json("[" + page.map { SimJSON.trade($0) }.joined(separator: ",") + "]")
        }

        // Data API v2: `{data, pagination}` with opaque cursors and no offset; `start`/`end` bound a user's walk.
        // `/v2/positions?user=&status=REDEEMABLE|REDEEMABLE_LOST`: what a wallet holds of resolved markets (one page).
        group.get("/v2/positions") { request, _ -> Response in
            guard let user = request.query("user").flatMap({ EthAddress($0) }) else {
                return SimServer.error("user or condition required", status: .badRequest)
            }
            let status = (request.query("status") ?? "OPEN").uppercased()
            guard status == "REDEEMABLE" || status == "REDEEMABLE_LOST" else {
                return SimServer.error("this simulator serves status=REDEEMABLE|REDEEMABLE_LOST", status: .badRequest)
            }
            let rows = await exchange.redeemable(owner: user, won: status == "REDEEMABLE").map { r -> String in
                let index = r.market.tokens.firstIndex(of: r.token) ?? 999
                return
                    "{\"proxy_wallet\":\"\(user.lowercased)\",\"token_id\":\"\(r.token)\",\"condition_id\":\"\(r.market.conditionId)\","
                    + "\"current_size\":\(r.size),\"status\":\"REDEEMABLE\",\"redeemable\":true,\"negative_risk\":\(r.market.negRisk),"
                    + "\"outcome_index\":\(index),\"title\":\(SimJSON.string(r.market.question)),\"slug\":\(SimJSON.string(r.market.slug))}"
            }
            return SimServer.json(
                "{\"data\":[\(rows.joined(separator: ","))],\"pagination\":{\"limit\":\(rows.count),\"offset\":0,\"has_more\":false,\"next_cursor\":null}}"
            )
        }
        // Freshness (venue facts §1.4): the `data-api-lag` fault is the serving lag.
        group.get("/v2/status") { _, _ -> Response in
            let faults = await exchange.faults
            if faults.noDataV2 { return SimServer.error("not found", status: .notFound) }
            let lag = Int(faults.dataAPILagSeconds.rounded(.up))
            let head = await exchange.chainHead
            let now = ISO8601DateFormatter().string(from: Date())
            return SimServer.json(
                "{\"data\":{\"computed_at\":\"\(now)\",\"age_seconds\":0,\"serving\":{\"lag_seconds\":\(lag),"
                    + "\"worst\":\"activity_feed\",\"mechanisms\":[{\"name\":\"activity_feed\",\"age_seconds\":\(lag)}]},"
                    + "\"ingestion\":{\"cursors\":1,\"network\":\"polygon\",\"chain_id\":137,\"max_synced_block\":\(head),"
                    + "\"min_synced_block\":\(head)}}}")
        }
        // Resolutions (venue facts §1.5): `condition` (≤ 20, comma-separated); a resolved market pays 1,000,000 micros
        // on its winner; an open one is `initialized`; an unknown one is absent.
        group.get("/v2/resolutions") { request, _ -> Response in
            if await exchange.faults.noDataV2 { return SimServer.error("not found", status: .notFound) }
            let ids = (request.query("condition") ?? "").split(separator: ",").map { $0.lowercased() }
            guard !ids.isEmpty, ids.count <= 20 else {
                return SimServer.error(
                    "provide exactly one of 'question_id', 'condition', or 'event_id'", status: .badRequest)
            }
            var rows: [String] = []
            for id in ids {
                guard let m = await exchange.currentMarket(id) else { continue }
                guard let winner = m.winner, let at = await exchange.resolutionTime(id) else {
                    rows.append(
                        "{\"condition_id\":\"\(m.conditionId)\",\"status\":\"initialized\",\"extended_review\":false,\"was_disputed\":false,\"new_version_q\":false,\"transaction_hash\":\"\",\"log_index\":\"\",\"last_update_timestamp\":\"\"}"
                    )
                    continue
                }
                let payouts = m.tokens.map { $0 == winner ? "1000000" : "0" }.joined(separator: ",")
                let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(at)))
                rows.append(
                    "{\"condition_id\":\"\(m.conditionId)\",\"status\":\"resolved\",\"extended_review\":false,"
                        + "\"was_disputed\":false,\"new_version_q\":false,\"transaction_hash\":\"\",\"log_index\":\"\","
                        + "\"last_update_timestamp\":\"\(when)\",\"payouts\":[\(payouts)],\"resolution_source\":\"reported\","
                        + "\"was_arbitrated\":false,\"resolved_at\":\"\(when)\"}")
            }
            return SimServer.json("{\"data\":[" + rows.joined(separator: ",") + "]}")
        }
        group.get("/v2/trades") { request, _ -> Response in
            let faults = await exchange.faults
            if faults.noDataV2 { return SimServer.error("not found", status: .notFound) }
            if request.query("offset") != nil {
                return SimServer.error(
                    "offset is not a parameter of /v2/trades: follow next_cursor", status: .badRequest)
            }
            var offset = 0
            var limit = 100
            var user: Address?
            var start: Int64 = 0
            var end = Int64.max
            var minCash: Micros?
            if let cursor = request.query("cursor") {
                // The cursor carries everything (this simulator's: offset, size, user, window).
                guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8) else {
                    return SimServer.error("invalid cursor", status: .badRequest)
                }
                let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 6, let o = Int(parts[0]), let l = Int(parts[1]), let s = Int64(parts[3]),
                    let e = Int64(parts[4])
                else { return SimServer.error("invalid cursor", status: .badRequest) }
                (offset, limit, user, start, end) = (o, l, parts[2].isEmpty ? nil : Address(parts[2]), s, e)
                minCash = Int64(parts[5]).map(Micros.init)
            } else {
                limit = Int(request.query("limit") ?? "100") ?? -1
                guard (1...10_000).contains(limit) else {
                    return SimServer.error("limit must be between 1 and 10000", status: .badRequest)
                }
                if let u = request.query("user") {
                    guard let a = Address(u) else { return SimServer.error("invalid user", status: .badRequest) }
                    user = a
                }
                start = request.query("start").flatMap(Int64.init) ?? 0
                end = request.query("end").flatMap(Int64.init).map { $0 == 0 ? Int64.max : $0 } ?? Int64.max
                if request.query("filter_type") == "CASH" {
                    guard let amount = request.query("filter_amount").flatMap({ Micros(decimal: $0) }) else {
                        return SimServer.error("filter_amount must be a number", status: .badRequest)
                    }
                    minCash = amount
                }
            }
            let rows = await exchange.publishedTrades(
                user: user, markets: [], side: nil, minCash: minCash, minTokens: nil
            )
            .filter { user == nil || ($0.timestamp >= start && $0.timestamp <= end) }
            let page = Array(rows.dropFirst(offset).prefix(limit))
            var texts: [String] = []
            for (i, t) in page.enumerated() {
                texts.append(SimJSON.tradeV2(t))
                if faults.comboEvery > 0, (offset + i + 1) % faults.comboEvery == 0 {
                    texts.append(
                        SimJSON.comboV2(
                            wallet: t.wallet.hex, timestamp: t.timestamp, legs: [t.conditionId, t.conditionId]))
                }
            }
            let more = offset + page.count < rows.count
            let next =
                more
                ? Data(
                    "\(offset + page.count)|\(limit)|\(user?.hex ?? "")|\(start)|\(end)|\(minCash.map { String($0.raw) } ?? "")"
                        .utf8
                )
                .base64EncodedString() : nil
            return SimServer.json(
                "{\"data\":[\(texts.joined(separator: ","))],\"pagination\":{\"has_more\":\(more),\"next_cursor\":\(next.map { "\"\($0)\"" } ?? "null")}}"
            )
        }

        group.get("/activity") { request, _ -> Response in
            guard let user = request.query("user").flatMap({ Address($0) }) else {
                return SimServer.error("required query param 'user' not provided", status: .badRequest)
            }
            let limit = Int(request.query("limit") ?? "100") ?? -1
            let offset = Int(request.query("offset") ?? "0") ?? -1
            guard (0...500).contains(limit), (0...10_000).contains(offset) else {
                return SimServer.error("limit must be 0…500 and offset 0…10000", status: .badRequest)
            }
            if let type = request.query("type"), !type.split(separator: ",").contains("TRADE") {
                return SimJSON.emptyArray
            }
            let ascending = request.query("sortDirection") == "ASC"
            let rows = await exchange.activity(
                user: user, start: request.query("start").flatMap(Int64.init),
                end: request.query("end").flatMap(Int64.init), ascending: ascending)
            let page = rows.dropFirst(offset).prefix(limit).map { t -> String in
                String(SimJSON.trade(t).dropLast()) + ",\"type\":\"TRADE\",\"usdcSize\":\(t.notional)}"
            }
            return SimServer.json("[" + page.joined(separator: ",") + "]")
        }

        group.get("/positions") { request, _ -> Response in
            guard let user = request.query("user").flatMap({ Address($0) }) else {
                return SimServer.error("required query param 'user' not provided", status: .badRequest)
            }
            let threshold = request.query("sizeThreshold").flatMap { Micros(decimal: $0) } ?? Micros.one
            let rows = await exchange.positions(user: user).filter { $0.size >= threshold && $0.size > .zero }
            let prices = await exchange.lastPrices(tokens: rows.map(\.token))
            let text = rows.map { p -> String in
                let cur = prices[p.token] ?? p.avgPrice
                return
                    "{\"proxyWallet\":\"\(user.hex)\",\"asset\":\"\(p.token)\",\"size\":\(p.size),\"avgPrice\":\(p.avgPrice),"
                    + "\"initialValue\":\(p.size.multiplied(by: p.avgPrice)),\"currentValue\":\(p.size.multiplied(by: cur)),"
                    + "\"cashPnl\":\(p.size.multiplied(by: cur) - p.size.multiplied(by: p.avgPrice)),\"totalBought\":\(p.bought),"
                    + "\"realizedPnl\":\(p.realized),\"curPrice\":\(cur),\"redeemable\":false}"
            }
            return SimServer.json("[" + text.joined(separator: ",") + "]")
        }

        group.get("/closed-positions") { request, _ -> Response in
            guard let user = request.query("user").flatMap({ Address($0) }) else {
                return SimServer.error("required query param 'user' not provided", status: .badRequest)
            }
            let limit = Int(request.query("limit") ?? "10") ?? -1
            let offset = Int(request.query("offset") ?? "0") ?? -1
            guard (0...50).contains(limit), (0...100_000).contains(offset) else {
                return SimServer.error("limit must be 0…50 and offset 0…100000", status: .badRequest)
            }
            let rows = await exchange.positions(user: user).filter { $0.size == .zero }
            let text = rows.dropFirst(offset).prefix(limit).map { p in
                "{\"proxyWallet\":\"\(user.hex)\",\"asset\":\"\(p.token)\",\"avgPrice\":\(p.avgPrice),\"totalBought\":\(p.bought),"
                    + "\"realizedPnl\":\(p.realized),\"curPrice\":0.5}"
            }
            return SimServer.json("[" + text.joined(separator: ",") + "]")
        }

        group.get("/value") { request, _ -> Response in
            guard let user = request.query("user").flatMap({ Address($0) }) else {
                return SimServer.error("required query param 'user' not provided", status: .badRequest)
            }
            let rows = await exchange.positions(user: user)
            let prices = await exchange.lastPrices(tokens: rows.map(\.token))
            let value = Micros.sum(rows.map { $0.size.multiplied(by: prices[$0.token] ?? $0.avgPrice) })
            return SimServer.json(rows.isEmpty ? "[]" : "[{\"user\":\"\(user.hex)\",\"value\":\(value)}]")
        }

        group.get("/holders") { request, _ -> Response in
            guard let market = request.query("market")?.lowercased() else {
                return SimServer.error("required query param 'market' not provided", status: .badRequest)
            }
            let limit = min(Int(request.query("limit") ?? "20") ?? 20, 20)
            let groups = await exchange.holders(market: market, limit: limit)
            let text = groups.map { g in
                "{\"token\":\"\(g.token)\",\"holders\":["
                    + g.holders.map { "{\"proxyWallet\":\"\($0.0.hex)\",\"amount\":\($0.1)}" }
                    .joined(separator: ",") + "]}"
            }
            return SimServer.json("[" + text.joined(separator: ",") + "]")
        }

        group.get("/v1/leaderboard") { request, _ -> Response in
            let limit = Int(request.query("limit") ?? "25") ?? -1
            let offset = Int(request.query("offset") ?? "0") ?? -1
            guard (1...50).contains(limit), (0...1000).contains(offset) else {
                return SimServer.error("limit must be 1…50 and offset 0…1000", status: .badRequest)
            }
            let rows = await exchange.leaderboard(limit: limit, offset: offset)
            let text = rows.enumerated().map { i, r in
                "{\"rank\":\"\(offset + i + 1)\",\"proxyWallet\":\"\(r.0.hex)\",\"userName\":\"\",\"vol\":\(r.1),\"pnl\":0}"
            }
            return SimServer.json("[" + text.joined(separator: ",") + "]")
        }
    }
}

extension SimJSON {
    static var emptyArray: Response { SimServer.json("[]") }
}

extension SimExchange {
    /// Last trade prices of some tokens.
    public func lastPrices(tokens: [String]) -> [String: Micros] {
        var out: [String: Micros] = [:]
        for t in tokens { out[t] = lastPrice[t] }
        return out
    }
}
