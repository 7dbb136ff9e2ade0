import Foundation
import HummingbirdWSClient
import Logging
import NIOHTTP1
import NIOWebSocket
import PolybotAPI
import PolybotCore
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Synchronization
import Testing

/// The HTTP API and the event stream of a running daemon, over real HTTP/WebSocket on 127.0.0.1.
@Suite("HTTP API", .serialized)
struct APITests {
    let whales = (1...3).map { Fixtures.address(0xE0 + $0) }

    func history(signals: Int = 1) -> [Trade] {
        Scenario.consensus(signals: signals, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 300)
    }

    @Test func everyDocumentedRouteNeedsATokenAndAnswersWithOne() async throws {
        try await withDaemon(exchange: SimExchange(trades: history())) { d in
            let token = try await d.login()
            for r in OpenAPISpec.routes {
                let path = r.path.replacingOccurrences(of: "{address}", with: Fixtures.address(1).hex)
                    .replacingOccurrences(of: "{id}", with: "1")
                let method: NIOHTTP1.HTTPMethod = .init(rawValue: r.method.uppercased())
                let (anonymous, _) = try await d.call(method, path)
                if r.auth {
                    #expect(anonymous == 401, "\(r.method) \(r.path) without a token: \(anonymous)")
                    let (withToken, _) = try await d.call(method, path, token: token, body: r.body.isEmpty ? nil : "{}")
                    #expect(
                        withToken != 401 && withToken != 404 || r.path.contains("{"),
                        "\(r.method) \(r.path): \(withToken)")
                    #expect(withToken < 500 || r.path.hasSuffix("/stream"), "\(r.method) \(r.path): \(withToken)")
                } else {
                    #expect(anonymous != 401, "\(r.method) \(r.path) should be open")
                }
            }
            // The document itself.
            let spec = try await d.json(.GET, "/api/v1/openapi.json", token: nil)
            let paths = try #require(spec["paths"] as? [String: Any])
            #expect(paths.count == Set(OpenAPISpec.routes.map(\.path)).count && spec["openapi"] as? String == "3.0.3")
        }
    }

    /// The operator's levers reach the pipeline through its ports: refusals are 409 with the reason, a halt is the
    /// pipeline's state at once.
    @Test func operatorLeversAnswerThroughThePorts() async throws {
        try await withDaemon(exchange: SimExchange(trades: history())) { d in
            let token = try await d.login()
            let (approve, body) = try await d.call(.POST, "/api/v1/approvals/1/approve", token: token)
            #expect(approve == 409 && String(decoding: body, as: UTF8.self).contains("not in approve mode"))
            let (reject, _) = try await d.call(.POST, "/api/v1/approvals/1/reject", token: token, body: "{}")
            #expect(reject == 409)
            let (halt, _) = try await d.call(
                .PUT, "/api/v1/trading-state", token: token, body: #"{"state":"halted","reason":"test"}"#)
            #expect(halt == 200)
            #expect(try await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String == "halted")
        }
    }

    /// Issue 15: a market's fees are stored with it and shown by the API as the venue states them.
    @Test func aMarketShowsItsFees() async throws {
        try await withDaemon(exchange: SimExchange(trades: history())) { d in
            let token = try await d.login()
            let politics = try #require(
                FeeSchedule(rate: Micros(40_000), exponent: 1, takerOnly: true, rebateRate: Micros(250_000)))
            let charged = "0x" + String(repeating: "a", count: 64)
            let broken = "0x" + String(repeating: "b", count: 64)
            try await d.store.markets.upsert([
                MarketInfo(
                    conditionId: charged, question: "Who wins?", fees: .charged(politics, type: "politics_fees")),
                MarketInfo(conditionId: broken, fees: .uncomputable("feeSchedule.exponent 1.5")),
            ])
            #expect(
                try await d.store.markets.get([charged])[charged]?.fees == .charged(politics, type: "politics_fees"))
            let m = try await d.json(.GET, "/api/v1/markets/\(charged)", token: token)
            let fees = try #require(m["fees"] as? [String: Any])
            #expect(m["question"] as? String == "Who wins?" && fees["status"] as? String == "charged")
            #expect(
                fees["rate"] as? String == "0.04" && fees["exponent"] as? Int == 1
                    && fees["type"] as? String == "politics_fees")
            #expect(fees["rebateRate"] as? String == "0.25" && fees["perShareAtHalf"] as? String == "0.01")
            let b = try await d.json(.GET, "/api/v1/markets/\(broken)", token: token)
            let bf = try #require(b["fees"] as? [String: Any])
            #expect(bf["status"] as? String == "uncomputable" && bf["note"] as? String == "feeSchedule.exponent 1.5")
            let unknown = "0x" + String(repeating: "c", count: 64)
            #expect(try await d.call(.GET, "/api/v1/markets/\(unknown)", token: token).0 == 404)
            #expect(try await d.call(.GET, "/api/v1/markets/\(charged)").0 == 401)
        }
    }

    @Test func loginTokensAndTheReadOnlyToken() async throws {
        try await withDaemon(exchange: SimExchange(trades: history())) { d in
            let (wrong, body) = try await d.call(.POST, "/api/v1/login", body: #"{"password":"nope"}"#)
            #expect(wrong == 401 && String(decoding: body, as: UTF8.self).contains("wrong password"))
            let (malformed, _) = try await d.call(.POST, "/api/v1/login", body: #"{"pass":1}"#)
            #expect(malformed == 400)
            let token = try await d.login()
            #expect(try await d.call(.GET, "/api/v1/overview", token: token).0 == 200)
            // A token signed by someone else, or tampered with, is refused.
            let forged = TokenSigner.random().issue(role: .operator_, now: Int64(Date().timeIntervalSince1970))
            #expect(try await d.call(.GET, "/api/v1/overview", token: forged).0 == 401)
            #expect(try await d.call(.GET, "/api/v1/overview", token: token + "x").0 == 401)
            // The read-only token reads but cannot change anything.
            #expect(try await d.call(.GET, "/api/v1/whales", token: Daemon.readOnly).0 == 200)
            let (ro, roBody) = try await d.call(
                .PUT, "/api/v1/trading-state", token: Daemon.readOnly, body: #"{"state":"halted"}"#)
            #expect(ro == 403 && String(decoding: roBody, as: UTF8.self).contains("read-only"))
            // Health stays open; readiness and metrics need a token (the read-only one will do, as for Prometheus).
            #expect(try await d.call(.GET, "/health").0 == 200)
            let metricsAnonymous = try await d.call(.GET, "/metrics").0
            let readyAnonymous = try await d.call(.GET, "/ready").0
            #expect(metricsAnonymous == 401 && readyAnonymous == 401)
            #expect(try await d.call(.GET, "/metrics", token: Daemon.readOnly).0 == 200)
            #expect(try await d.call(.GET, "/ready", token: Daemon.readOnly).0 == 200)
            // Oversized bodies are refused.
            let big = #"{"address":"\#(String(repeating: "a", count: 100_000))"}"#
            #expect(try await d.call(.POST, "/api/v1/whales", token: token, body: big).0 == 413)
        }
    }

    @Test func whalesAddTagListSortPageAndRemove() async throws {
        try await withDaemon(exchange: SimExchange(trades: history())) { d in
            let token = try await d.login()
            #expect(try await d.call(.POST, "/api/v1/whales", token: token, body: #"{"address":"0x12"}"#).0 == 400)
            for n in 1...7 {
                let a = Fixtures.address(0x100 + n)
                // Two score snapshots each (as two nightly runs would write), lower bound rising with n.
                var s = WalletScore(
                    wallet: a, computedAt: 1_700_000_000, closedPositions: 12, openPositions: 0, winRate: 0.6,
                    decayedWinRate: 0.6,
                    shrunkWinRate: 0.6, winRateLowerBound: 0.3 + Double(n) / 100, sharpe: 1, kelly: 0.1, ev: 0.1,
                    edge: 0.2,
                    realizedPnl: Micros(Int64(n) * 1_000_000), volume: Micros(1), markets: 3, trades: 20,
                    walletClass: n == 7 ? .bot : .informed, features: ["tradesPerDay": Double(n)],
                    edgeStandardError: 0.05, edgeZ: 4, pValue: 3e-5, qValue: 0.002, resolvedMarkets: 9, markout1h: 0.01,
                    markout24h: 0.03, markoutTrades: 18,
                    classBasis: ClassBasis(
                        rule: "informed: qValue ≤ falseDiscoveryRate", features: ["qValue": 0.002],
                        thresholds: ["falseDiscoveryRate": 0.1]))
                try await d.store.scores.insertSnapshots([s], runId: nil)
                s.computedAt += 86_400
                s.winRateLowerBound += 0.01
                try await d.store.scores.insertSnapshots([s], runId: nil)
                let created = try await d.json(
                    .POST, "/api/v1/whales", token: token,
                    body:
                        #"{"address":"\#(a.hex.uppercased().replacingOccurrences(of: "0X", with: "0x"))","label":"w\#(n)","tags":["t\#(n % 2)"]}"#
                )
                #expect(created["address"] as? String == a.hex)
            }
            #expect(
                try await d.call(
                    .POST, "/api/v1/whales", token: token, body: #"{"address":"\#(Fixtures.address(0x101).hex)"}"#
                ).0 == 409)
            // Sorted by lower bound, paged by 3.
            let page1 = try await d.json(.GET, "/api/v1/whales?limit=3&sort=lowerBound", token: token)
            let items = try #require(page1["items"] as? [[String: Any]])
            #expect(
                items.map { $0["label"] as? String } == ["w7", "w6", "w5"] && page1["next"] as? String == "3"
                    && page1["total"] as? Int == 7)
            #expect((items[0]["sparkline"] as? [Double])?.count == 2)
            let page3 = try await d.json(.GET, "/api/v1/whales?limit=3&offset=6&sort=lowerBound", token: token)
            #expect((page3["items"] as? [[String: Any]])?.count == 1 && page3["next"] is NSNull)
            // Filters.
            let bots = try await d.json(.GET, "/api/v1/whales?class=bot", token: token)
            #expect((bots["items"] as? [[String: Any]])?.map { $0["label"] as? String } == ["w7"])
            let tagged = try await d.json(.GET, "/api/v1/whales?tag=t0", token: token)
            #expect((tagged["items"] as? [Any])?.count == 3)
            #expect(try await d.call(.GET, "/api/v1/whales?sort=luck", token: token).0 == 400)
            #expect(try await d.call(.GET, "/api/v1/whales?limit=0", token: token).0 == 400)
            // Tag, deny, detail with history and the features behind the class.
            let w1 = Fixtures.address(0x101).hex
            // The profile is cached (15 s): an operator's write is seen by the next profile all the same.
            let before = try await d.json(.GET, "/api/v1/whales/\(w1)/profile", token: token)
            #expect(before["listStatus"] as? String == "neutral")
            let patched = try await d.json(
                .PATCH, "/api/v1/whales/\(w1)", token: token, body: #"{"tags":["vip","politics"],"listStatus":"deny"}"#)
            #expect(patched["listStatus"] as? String == "deny" && patched["tags"] as? [String] == ["politics", "vip"])
            let after = try await d.json(.GET, "/api/v1/whales/\(w1)/profile", token: token)
            #expect(after["listStatus"] as? String == "deny")
            #expect(
                try await d.call(.PATCH, "/api/v1/whales/\(w1)", token: token, body: #"{"listStatus":"maybe"}"#).0
                    == 400)
            let detail = try await d.json(.GET, "/api/v1/whales/\(w1)", token: token)
            let hist = try #require(detail["history"] as? [[String: Any]])
            #expect(hist.count == 2 && (hist[0]["features"] as? [String: Double])?["tradesPerDay"] == 1)
            // The edge test, markouts and the class decision are stored and served with each snapshot.
            #expect(hist[0]["qValue"] as? Double == 0.002 && hist[0]["edgeStandardError"] as? Double == 0.05)
            #expect(hist[0]["resolvedMarkets"] as? Int == 9 && hist[0]["markout24h"] as? Double == 0.03)
            #expect(hist[0]["snapshotId"] is Int)
            let basis = try #require(hist[0]["classBasis"] as? [String: Any])
            #expect(basis["rule"] as? String == "informed: qValue ≤ falseDiscoveryRate")
            #expect((basis["thresholds"] as? [String: Double])?["falseDiscoveryRate"] == 0.1)
            // Remove.
            #expect(try await d.call(.DELETE, "/api/v1/whales/\(w1)", token: token).0 == 204)
            #expect(try await d.call(.GET, "/api/v1/whales/\(w1)", token: token).0 == 404)
            let actions = try await d.store.audit.recent(limit: 20).map(\.action)
            #expect(
                actions.contains("whale.add") && actions.contains("whale.update") && actions.contains("whale.remove"))
        }
    }

    @Test func basketsAndMembers() async throws {
        try await withDaemon(exchange: SimExchange(trades: history())) { d in
            let token = try await d.login()
            let b = try await d.json(
                .POST, "/api/v1/baskets", token: token, body: #"{"name":"politics","windowHours":48,"minMembers":2}"#)
            let id = try #require(b["id"] as? Int)
            #expect(try await d.call(.POST, "/api/v1/baskets", token: token, body: #"{"name":"politics"}"#).0 == 409)
            #expect(
                try await d.call(.POST, "/api/v1/baskets", token: token, body: #"{"name":"x","windowHours":500}"#).0
                    == 400)
            #expect(
                try await d.call(.POST, "/api/v1/baskets", token: token, body: #"{"name":"x","consensusRatio":0.4}"#).0
                    == 400)
            let member = whales[0].hex
            let withMember = try await d.json(.PUT, "/api/v1/baskets/\(id)/members/\(member)", token: token)
            #expect((withMember["members"] as? [[String: Any]])?.first?["wallet"] as? String == member)
            let patched = try await d.json(
                .PATCH, "/api/v1/baskets/\(id)", token: token, body: #"{"enabled":false,"consensusRatio":0.9}"#)
            #expect(patched["enabled"] as? Bool == false && patched["consensusRatio"] as? Double == 0.9)
            #expect(try await d.call(.DELETE, "/api/v1/baskets/\(id)/members/\(member)", token: token).0 == 204)
            #expect(try await d.call(.DELETE, "/api/v1/baskets/\(id)/members/\(member)", token: token).0 == 404)
            #expect(try await d.call(.DELETE, "/api/v1/baskets/\(id)", token: token).0 == 204)
            #expect(try await d.call(.GET, "/api/v1/baskets/\(id)", token: token).0 == 404)
        }
    }

    @Test func aSignalFlowsToTheStreamAndTheActivityRoutes() async throws {
        // The markets charge the 2026 politics fee: the daemon reads it from the simulator's /clob-markets and every
        // paper fill pays it (issue 15).
        let politics = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1))
        let exchange = SimExchange(trades: history(signals: 2)) { _ in GammaFees(type: "politics", schedule: politics) }
        try await withDaemon(exchange: exchange) { d in
            let token = try await d.login()
            let b = try await d.json(.POST, "/api/v1/baskets", token: token, body: #"{"name":"trio"}"#)
            let id = try #require(b["id"] as? Int)
            for w in whales { _ = try await d.json(.PUT, "/api/v1/baskets/\(id)/members/\(w.hex)", token: token) }
            #expect(await eventually { await exchange.rtdsSubscribers > 0 })
            // A WebSocket client receives the whale trade and what followed from it.
            let received = Mutex<[(type: String, at: ContinuousClock.Instant)]>([])
            let client = Task {
                try await WebSocketClient.connect(
                    url: d.ws + "/api/v1/stream?ticket=\(try await d.streamTicket(token))",
                    logger: Logger(label: "test.ws")
                ) { inbound, _, _ in
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message,
                            let j = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                            let type = j["type"] as? String
                        else { continue }
                        received.withLock { $0.append((type, .now)) }
                    }
                }
            }
            #expect(await eventually { received.withLock { $0.contains { $0.type == "hello" } } })
            await exchange.publishNext(6)
            #expect(await eventually { received.withLock { r in r.contains { $0.type == "order" } } })
            // How fast is a benchmark's question (polybot-bench latency), not a test's: here, only that it arrived.
            #expect(received.withLock { $0.contains { $0.type == "whale_trade" } })
            #expect(
                received.withLock { r in Set(r.map(\.type)) }.isSuperset(of: [
                    "whale_trade", "signal", "risk_decision", "order", "position",
                ]))
            client.cancel()
            // The same history through the REST routes, paged.
            let trades = try await d.json(.GET, "/api/v1/trades?limit=4", token: token)
            #expect((trades["items"] as? [Any])?.count == 4)
            let next = try #require(trades["next"] as? String)
            let rest = try await d.json(.GET, "/api/v1/trades?limit=4&before=\(next)", token: token)
            #expect((rest["items"] as? [Any])?.count == 2 && rest["next"] is NSNull)
            #expect(try await d.call(.GET, "/api/v1/trades?wallet=nope", token: token).0 == 400)
            // The first order event only says the first of the two signals got that far: wait for both fills.
            #expect(
                try await eventually {
                    let items = try await d.json(.GET, "/api/v1/signals", token: token)["items"] as? [[String: Any]]
                    return items?.count == 2 && items?.allSatisfy { $0["status"] as? String == "filled" } == true
                })
            let orders = try await d.json(.GET, "/api/v1/orders?status=filled", token: token)
            let order = try #require((orders["items"] as? [[String: Any]])?.first)
            let orderDetail = try await d.json(.GET, "/api/v1/orders/\(order["id"] as? Int ?? 0)", token: token)
            #expect(
                (orderDetail["events"] as? [[String: Any]])?.contains { $0["type"] as? String == "PAPER_FILL" } == true)
            #expect(try await d.call(.GET, "/api/v1/orders?status=bogus", token: token).0 == 400)
            let positions = try await d.json(.GET, "/api/v1/positions?status=open", token: token)
            #expect((positions["items"] as? [Any])?.count == 2)
            let pnl = try await d.json(.GET, "/api/v1/pnl/daily?days=7", token: token)
            #expect((pnl["items"] as? [Any])?.count == 1)
            let decisions = try await d.json(.GET, "/api/v1/risk/decisions", token: token)
            #expect((decisions["items"] as? [[String: Any]])?.count == 2)
            let overview = try await d.json(.GET, "/api/v1/overview", token: token)
            #expect(overview["openPositions"] as? Int == 2 && overview["tradingState"] as? String == "active")
            let orderFees = try #require(orders["items"] as? [[String: Any]]).compactMap {
                ($0["fee"] as? String).flatMap { Micros(decimal: $0) }
            }
            let feesPaid = try #require((overview["feesPaid"] as? String).flatMap { Micros(decimal: $0) })
            #expect(feesPaid > .zero && feesPaid == Micros.sum(orderFees), "orders: \(orders)")
            #expect((overview["feed"] as? [String: Any])?["connections"] as? Int ?? 0 >= 1)
            // A reconnecting client catches up from its cursor.
            let caughtUp = Mutex<[String]>([])
            try await WebSocketClient.connect(
                url: d.ws + "/api/v1/stream?ticket=\(try await d.streamTicket(token))&cursor=0",
                logger: Logger(label: "test.ws")
            ) { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    caughtUp.withLock { $0.append(text) }
                    if text.contains(#""type":"hello""#) { try await outbound.close(.normalClosure, reason: nil) }
                }
            }
            #expect(caughtUp.withLock { $0.filter { $0.contains(#""type":"whale_trade""#) }.count } == 6)
        }
    }

    @Test func killSwitchCooldownsAndSettings() async throws {
        try await withDaemon(exchange: SimExchange(trades: history())) { d in
            let token = try await d.login()
            #expect(
                try await d.call(.PUT, "/api/v1/trading-state", token: token, body: #"{"state":"paused"}"#).0 == 400)
            #expect(
                await eventually {
                    (try? await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String) == "active"
                })
            _ = try await d.json(
                .PUT, "/api/v1/trading-state", token: token, body: #"{"state":"halted","reason":"test"}"#)
            #expect(try await d.json(.GET, "/api/v1/trading-state", token: token)["state"] as? String == "halted")
            #expect(try await d.store.execution.tradingState(mode: .paper)?.state == .halted)
            let lock = try await d.json(
                .POST, "/api/v1/cooldowns", token: token,
                body: #"{"scope":"wallet","value":"\#(whales[0].hex)","minutes":30}"#)
            #expect(lock["scope"] as? String == "wallet")
            #expect(
                try await d.call(
                    .POST, "/api/v1/cooldowns", token: token, body: #"{"scope":"planet","value":"x","minutes":30}"#
                ).0 == 400)
            #expect((try await d.json(.GET, "/api/v1/cooldowns", token: token)["items"] as? [Any])?.count == 1)
            // Settings: every problem at once, nothing stored; then a valid change, stored, audited, in force.
            let (bad, body) = try await d.call(
                .PUT, "/api/v1/settings", token: token,
                body: #"{"POLYBOT_WHALE_MIN_NOTIONAL":"-5","POLYBOT_MODE":"live"}"#)
            let text = String(decoding: body, as: UTF8.self)
            #expect(bad == 400 && text.contains("POLYBOT_MODE") && !text.contains("POLYBOT_WHALE_MIN_NOTIONAL: must"))
            let (bad2, body2) = try await d.call(
                .PUT, "/api/v1/settings", token: token,
                body: #"{"POLYBOT_WHALE_MIN_NOTIONAL":"-5","POLYBOT_RISK_MAX_SLIPPAGE":"2"}"#)
            let text2 = String(decoding: body2, as: UTF8.self)
            #expect(
                bad2 == 400 && text2.contains("POLYBOT_WHALE_MIN_NOTIONAL")
                    && text2.contains("POLYBOT_RISK_MAX_SLIPPAGE"))
            #expect(try await d.store.settings.all().isEmpty)
            let ok = try await d.json(
                .PUT, "/api/v1/settings", token: token,
                body: #"{"POLYBOT_WHALE_MIN_NOTIONAL":"25000","POLYBOT_RISK_MAX_SLIPPAGE":"0.03"}"#)
            let entries = try #require(ok["items"] as? [[String: Any]])
            #expect(
                entries.contains {
                    $0["key"] as? String == "POLYBOT_WHALE_MIN_NOTIONAL" && $0["value"] as? String == "25000"
                        && $0["origin"] as? String == "dashboard"
                })
            #expect(try await d.store.settings.all()["POLYBOT_RISK_MAX_SLIPPAGE"] == "0.03")
            #expect(try await d.store.audit.recent(limit: 5).contains { $0.action == "settings.change" })
            let config = try await d.json(.GET, "/api/v1/config", token: token)
            let view = try #require(config["items"] as? [[String: Any]])
            #expect(
                view.contains {
                    $0["key"] as? String == "POLYBOT_OPERATOR_PASSWORD" && $0["value"] as? String == "<redacted>"
                })
            #expect(
                !String(decoding: try JSONSerialization.data(withJSONObject: view), as: UTF8.self).contains(
                    Daemon.password))
        }
    }

    @Test func insightRoutesValidateTheirInputAndTheReadOnlyTokenCannotStartABacktest() async throws {
        try await withDaemon(exchange: SimExchange(trades: history())) { d in
            let token = try await d.login()
            #expect(try await d.call(.GET, "/api/v1/leaderboard?sort=luck", token: token).0 == 400)
            #expect(try await d.call(.GET, "/api/v1/leaderboard?class=genius", token: token).0 == 400)
            #expect(try await d.call(.GET, "/api/v1/markets?ids=0x12", token: token).0 == 400)
            #expect(try await d.call(.GET, "/api/v1/markets", token: token).0 == 400)
            #expect(
                try await d.call(.GET, "/api/v1/whales/\(Fixtures.address(0x77).hex)/profile", token: token).0 == 404)
            #expect(try await d.call(.GET, "/api/v1/backtests/999", token: token).0 == 404)
            let (bad, body) = try await d.call(.POST, "/api/v1/backtests", token: token, body: #"{"basket":"best:3"}"#)
            let text = String(decoding: body, as: UTF8.self)
            #expect(bad == 400 && text.contains("--basket"), "\(bad) \(text)")
            #expect(
                try await d.call(.POST, "/api/v1/backtests", token: Daemon.readOnly, body: "{}").0 == 403)
            #expect(try await d.call(.GET, "/api/v1/leaderboard", token: Daemon.readOnly).0 == 200)
            // The chart library is public, like the dashboard's own files.
            let (chart, _) = try await d.call(.GET, "/vendor/chart.min.js")
            #expect(
                chart == 200
                    || !FileManager.default.fileExists(atPath: "/usr/share/javascript/chart.js/chart.min.js"))
            // A backtest with nothing to judge (no stored trade yet, or no resolution time) fails with a named reason,
            // stored with the run.
            let started = try await d.json(.POST, "/api/v1/backtests", token: token, body: "{}")
            let id = started["id"] as? Int ?? 0
            #expect(started["status"] as? String == "running" || started["status"] as? String == "failed")
            let ended = try await eventually {
                try await d.json(.GET, "/api/v1/backtests/\(id)", token: token)["status"] as? String != "running"
            }
            let run = try await d.json(.GET, "/api/v1/backtests/\(id)", token: token)
            #expect(ended && run["status"] as? String == "failed", "\(run)")
            let error = run["error"] as? String ?? ""
            #expect(error.contains("no stored trades") || error.contains("resolution time"), "\(run)")
            let audit = try await d.store.audit.recent(limit: 10)
            #expect(audit.contains { $0.action == "backtest.start" && $0.target == "\(id)" })
        }
    }

    @Test func leaderboardSortsFiltersAndShowsCopyabilityFromTheNewestBacktest() async throws {
        try await withDaemon(exchange: SimExchange(trades: history())) { d in
            let token = try await d.login()
            // Three scored wallets: edges 0.10, 0.20, 0.30 with the same standard error; the last is a bot.
            for n in 1...3 {
                let s = WalletScore(
                    wallet: Fixtures.address(0x200 + n), computedAt: 1_700_000_000, closedPositions: 12,
                    openPositions: 0, winRate: 0.6, decayedWinRate: 0.6, shrunkWinRate: 0.6, winRateLowerBound: 0.4,
                    sharpe: 1, kelly: 0.1, ev: 0.1, edge: Double(n) / 10, realizedPnl: Micros(1), volume: Micros(1),
                    markets: 3, trades: 20, walletClass: n == 3 ? .bot : .informed, features: [:],
                    edgeStandardError: 0.05, edgeZ: 4, pValue: 0.01 * Double(n), qValue: 0.02 * Double(n),
                    resolvedMarkets: 10 - n, markout1h: 0.01, markout24h: 0.03, markoutTrades: 18, classBasis: nil)
                try await d.store.scores.insertSnapshots([s], runId: nil)
            }
            let report =
                #"{"copyability":[{"wallet":"\#(Fixtures.address(0x201).hex)","entries":4,"theirEdge":0.1,"delayCost":0.02,"fee":0.01,"keptEdge":0.07,"uncopyable":false},{"wallet":"\#(Fixtures.address(0x202).hex)","entries":2,"theirEdge":0.2}]}"#
            let id = try await d.store.backtests.start(
                source: "test", startedBy: "test", params: "{}", at: 1_700_000_000)
            try await d.store.backtests.complete(
                id: id, report: report, verdict: "no evidence of edge", edgeSignificant: false, at: 1_700_000_100)

            func wallets(_ query: String) async throws -> [[String: Any]] {
                try await d.json(.GET, "/api/v1/leaderboard?" + query, token: token)["items"] as? [[String: Any]] ?? []
            }
            let byBound = try await wallets("sort=edgeLowerBound")
            #expect(byBound.map { $0["address"] as? String } == [0x203, 0x202, 0x201].map { Fixtures.address($0).hex })
            let lb = byBound.first?["edgeLowerBound"] as? Double ?? 0
            // Student t with 7 − 1 degrees of freedom (7 resolved markets), not z = 1.645.
            #expect(abs(lb - (0.3 - OutcomeProbability.studentT(0.95, degreesOfFreedom: 6) * 0.05)) < 1e-9)
            let byQ = try await wallets("sort=qValue")
            #expect(byQ.first?["address"] as? String == Fixtures.address(0x201).hex, "smallest q first")
            let informed = try await wallets("class=informed")
            #expect(informed.count == 2)
            // The first wallet's copyability comes from the stored backtest; the second's line lacks figures: none.
            let first = byBound.first { $0["address"] as? String == Fixtures.address(0x201).hex }
            let copy = first?["copyability"] as? [String: Any]
            #expect(copy?["keptEdge"] as? Double == 0.07 && copy?["source"] as? String == "backtest #\(id)")
            let second = byBound.first { $0["address"] as? String == Fixtures.address(0x202).hex }
            #expect(second?["copyability"] == nil)
            let byCopy = try await wallets("sort=copyability")
            #expect(byCopy.first?["address"] as? String == Fixtures.address(0x201).hex)
        }
    }
}
