import Foundation
import Hummingbird
import Logging
import PolybotCore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import ServiceLifecycle
import Synchronization
import Testing

let testKey = try! PrivateKey(hex: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")

/// The simulator driven by the project's own clients over real HTTP and WebSocket on 127.0.0.1.
@Suite("polymarket-sim over loopback")
struct SimulatorTests {
    let logger = Logger(label: "test.sim.client")

    func transport(
        retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)), timeout: Duration = .processWait
    )
        -> HTTPTransport
    { HTTPTransport(retry: retry, timeout: timeout, logger: logger) }

    @Test func replayedFramesEqualTheFileRows() async throws {
        let exchange = SimExchange(trades: generated(300))
        let received = try await withSimulator(exchange) { _, ws -> [Trade] in
            let got = Mutex<[Trade]>([])
            let connected = Mutex(false)
            let feed = RTDSFeed(configuration: .init(url: ws + "/ws", pingInterval: .milliseconds(200)), logger: logger)
            let task = Task {
                await feed.run { e in
                    switch e {
                    case .connected: connected.withLock { $0 = true }
                    case .trade(let t, _): got.withLock { $0.append(t) }
                    default: break
                    }
                }
            }
            _ = await eventually { connected.withLock { $0 } }
            // The subscribe message lands before the replay starts.
            _ = await eventually { await exchange.rtdsSubscribers > 0 }
            await exchange.publishNext(300)
            _ = await eventually { got.withLock { $0.count } >= 300 }
            task.cancel()
            await task.value
            return got.withLock { $0 }
        }
        #expect(received.count == 300)
        #expect(received.map(\.key) == exchange.history.map(\.key))
        #expect(received.map(\.title) == exchange.history.map(\.title))
    }

    @Test(.enabled(if: SharedData.runs, Comment(rawValue: SharedData.skipReason)))
    func nobelReplayReadsBackExactlyTheUniqueTrades() async throws {
        let rows = try TradeFileReader().read(path: SharedData.path("nobel2025_trades.data-api.csv"))
        let trades = rows.compactMap { try? $0.result.get() }
        let exchange = SimExchange(trades: trades)
        #expect(exchange.history.count == 1500)
        let (back, capped) = try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(10_000)
            let t = transport()
            defer { Task { try? await t.shutdown() } }
            return try await DataAPIClient(baseURL: base + "/data-api", transport: t).allTrades(.init(), pageSize: 400)
        }
        #expect(!capped)
        let keys = back.compactMap { try? $0.get().key }
        #expect(keys.count == 1500)
        #expect(Set(keys) == Set(exchange.history.map(\.key)))
    }

    /// API credentials for the test key (L1 against the simulator) and an authenticated CLOB client.
    func account(_ base: String, _ t: HTTPTransport) async throws -> (ApiCredentials, ClobClient) {
        let creds = try await ClobClient(baseURL: base + "/clob", transport: t).createOrDeriveApiKey(
            key: testKey, chainId: 137)
        return (creds, ClobClient(baseURL: base + "/clob", transport: t, auth: (creds, testKey.address)))
    }

    /// A market with a two-sided book, and API credentials for the test key.
    func venue() -> SimExchange { SimExchange(trades: generated(400)) }

    @Test func correctlySignedOrderIsAcceptedFilledAndReportedOnTheUserChannel() async throws {
        let exchange = venue()
        try await withSimulator(exchange) { base, ws in
            await exchange.publishNext(400)
            let t = transport()
            defer { Task { try? await t.shutdown() } }
            let (creds, clob) = try await account(base, t)
            #expect(try await clob.version() == 2)
            let (token, ask, tick, negRisk) = try await tradableToken(exchange)

            let statuses = Mutex<[String]>([])
            let feed = UserChannelFeed(url: ws + "/clob-ws", credentials: creds, logger: logger)
            let opened = Mutex(false)
            let task = Task {
                await feed.run(connected: { _ in opened.withLock { $0 = true } }) { e in
                    if case .success(.trade(let tr)) = e { statuses.withLock { $0.append(tr.status) } }
                }
            }
            // Observable: the simulator has bound the connection to our key (only then are our trades sent to it).
            let bound = await eventually {
                let channels = await exchange.authenticatedUserChannels
                return opened.withLock { $0 } && channels > 0
            }
            #expect(bound)

            let builder = try OrderBuilder(key: testKey, domain: ExchangeDomain.forVersion(2, chainId: 137)!)
            let signed = try builder.build(
                OrderRequest(
                    tokenId: token, side: .buy, price: ask, size: Micros(10_000_000), tickSize: tick, negRisk: negRisk),
                salt: OrderBuilder.randomSalt(), timestampMs: UInt64(Date().timeIntervalSince1970 * 1000),
                now: Int64(Date().timeIntervalSince1970))
            let response = try await clob.postOrder(body: signed.postBody(owner: creds.apiKey, orderType: .gtc))
            #expect(response.accepted && response.status == "matched")
            #expect(response.orderID == HexCoding.encode(signed.digest))
            #expect(await exchange.holding(of: testKey.address, token: token) == Micros(10_000_000))
            let fills = try await clob.trades()
            #expect(fills.count == 1 && fills.first?.taker_order_id == response.orderID)
            #expect(try await clob.order(id: response.orderID)?.status == "MATCHED")
            _ = await eventually { statuses.withLock { $0.count } >= 3 }
            task.cancel()
            await task.value
            #expect(statuses.withLock { $0 } == ["MATCHED", "MINED", "CONFIRMED"])
        }
    }

    @Test func badOrdersAreRejectedWithTheRealErrors() async throws {
        let exchange = venue()
        try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(400)
            let t = transport()
            defer { Task { try? await t.shutdown() } }
            let (creds, clob) = try await account(base, t)
            let (token, ask, tick, negRisk) = try await tradableToken(exchange)
            let builder = try OrderBuilder(key: testKey, domain: ExchangeDomain.forVersion(2, chainId: 137)!)
            let now = Int64(Date().timeIntervalSince1970)
            func body(_ req: OrderRequest, now: Int64 = now) throws -> (String, String) {
                let s = try builder.build(
                    req, salt: OrderBuilder.randomSalt(), timestampMs: UInt64(now) * 1000, now: now)
                return (s.postBody(owner: creds.apiKey, orderType: req.orderType), HexCoding.encode(s.digest))
            }
            let good = OrderRequest(
                tokenId: token, side: .buy, price: ask, size: Micros(10_000_000), tickSize: tick, negRisk: negRisk)

            // Wrong signature: a valid body with another key's signature bytes.
            var (text, _) = try body(good)
            let other = try OrderBuilder(
                key: PrivateKey(bytes: [UInt8](repeating: 7, count: 32)),
                domain: ExchangeDomain.forVersion(2, chainId: 137)!)
            let foreign = try other.build(good, salt: 1, timestampMs: 1, now: now).signature
            let sigRange = try #require(text.range(of: #""signature":"0x"#))
            let start = sigRange.upperBound
            let end = text.index(start, offsetBy: 130)
            text.replaceSubrange(text.index(start, offsetBy: -2)..<end, with: foreign)
            await #expect(throws: PolymarketHTTPError.status(400, message: "invalid signature")) {
                try await clob.postOrder(body: text)
            }

            // Wrong HMAC: right key id, wrong secret.
            let badAuth = ClobClient(
                baseURL: base + "/clob", transport: t,
                auth: (
                    ApiCredentials(
                        apiKey: creds.apiKey, secret: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                        passphrase: creds.passphrase), testKey.address
                ))
            await #expect(throws: PolymarketHTTPError.status(401, message: "Unauthorized/Invalid api key")) {
                try await badAuth.postOrder(body: try body(good).0)
            }

            // Off-tick price: signed for a finer tick than the market's.
            let finer: TickSize = tick == .hundredth ? .thousandth : .tenThousandth
            var offTick = good
            offTick.price = Micros(ask.raw - finer.micros)
            offTick.tickSize = finer
            let (offBody, offId) = try body(offTick)
            await #expect(
                throws: PolymarketHTTPError.status(
                    400,
                    message:
                        "order \(offId) is invalid. Price (\(offTick.price)) breaks minimum tick size rule: \(tick.rawValue)"
                )
            ) {
                try await clob.postOrder(body: offBody)
            }

            // Expired GTD: the builder's clock is behind, so the expiry is already inside the one-minute threshold.
            var gtd = good
            gtd.orderType = .gtd
            gtd.expiration = now + 30
            let (gtdBody, _) = try body(gtd, now: now - 100)
            await #expect(throws: PolymarketHTTPError.status(400, message: "invalid expiration")) {
                try await clob.postOrder(body: gtdBody)
            }

            // Below the minimum size (5 shares).
            var small = good
            small.size = Micros(2_000_000)
            let (smallBody, smallId) = try body(small)
            await #expect(
                throws: PolymarketHTTPError.status(
                    400, message: "order \(smallId) is invalid. Size (2) lower than the minimum: 5")
            ) {
                try await clob.postOrder(body: smallBody)
            }

            // Duplicate of an accepted order.
            let (okBody, okId) = try body(good)
            #expect(try await clob.postOrder(body: okBody).accepted)
            await #expect(throws: PolymarketHTTPError.status(400, message: "order \(okId) is invalid. Duplicated.")) {
                try await clob.postOrder(body: okBody)
            }
            #expect(await exchange.allOrders.count == 1)
        }
    }

    @Test func restFaultsAreObservedByTheClient() async throws {
        let exchange = venue()
        try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(400)
            // A generous timeout: on a loaded machine an attempt that times out on the client while the server answered
            // 429 would be counted as a timeout, not as the 429 this test observes.
            let t = transport(
                retry: RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
                timeout: .processWait)
            defer { Task { try? await t.shutdown() } }
            let data = DataAPIClient(baseURL: base + "/data-api", transport: t)

            var f = SimFaults()
            f.rateLimitBurst = 2
            f.retryAfterSeconds = 0.05
            await exchange.setFaults(f)
            _ = try await data.trades(.init(), limit: 5, offset: 0)
            #expect(t.stats.snapshot.rateLimited == 2)

            f = SimFaults()
            f.errorRate = 1
            await exchange.setFaults(f)
            await #expect(throws: PolymarketHTTPError.status(503, message: "Service Unavailable")) {
                try await data.trades(.init(), limit: 5, offset: 0)
            }

            f = SimFaults()
            f.latencyMilliseconds = 150
            await exchange.setFaults(f)
            let start = ContinuousClock.now
            _ = try await data.trades(.init(), limit: 5, offset: 0)
            #expect(ContinuousClock.now - start >= .milliseconds(150))
            await exchange.setFaults(SimFaults())
        }
    }

    /// Gamma's 2026 fee fields and the CLOB's compact `/clob-markets/{id}` (`fd {r, e}`), served per market and read
    /// back by our clients as a schedule (issue 15).
    @Test func gammaAndTheClobServeEachMarketsFeeSchedule() async throws {
        let politics = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1, rebateRate: Micros(250_000)))
        let history = generated(100)
        let charged = history[0].conditionId
        let exchange = SimExchange(trades: history) { m in
            m.conditionId == charged ? GammaFees(type: "politics_fees", schedule: politics) : nil
        }
        let other = try #require(exchange.markets.keys.first { $0 != charged })
        try await withSimulator(exchange) { base, _ in
            let t = transport(retry: .none, timeout: .processWait)
            defer { Task { try? await t.shutdown() } }
            let markets = try await GammaClient(baseURL: base + "/gamma", transport: t).markets(
                conditionIds: [charged, other])
            #expect(markets.first { $0.conditionId == charged }?.fees == .charged(politics, type: "politics_fees"))
            #expect(markets.first { $0.conditionId == other }?.fees == .notStated)
            let clob = ClobClient(baseURL: base + "/clob", transport: t)
            let info = try await clob.clobMarketInfo(conditionId: charged)
            // The compact record carries rate and exponent only (the rebate is Gamma's).
            #expect(info.fees == .charged(try #require(FeeSchedule(rate: Micros(40_000), exponent: 1)), type: nil))
            #expect(info.tokens == exchange.markets[charged]?.tokens && info.tickSize != nil)
            #expect(try await clob.clobMarketInfo(conditionId: other).fees == .free)
            // What the official client reads: `/fee-rate` → {"base_fee": bps}, `/markets-by-token/{token}` → condition id.
            let port = try #require(URLComponents(string: base)?.port)
            let token = try #require(exchange.markets[charged]?.tokens.first)
            let rate = try await RawHTTP.send(port: port, method: "GET", target: "/clob/fee-rate?token_id=\(token)")
            #expect(rate.status == 200 && rate.body == "{\"base_fee\":400}")
            let otherToken = try #require(exchange.markets[other]?.tokens.first)
            let free = try await RawHTTP.send(
                port: port, method: "GET", target: "/clob/fee-rate?token_id=\(otherToken)")
            #expect(free.body == "{\"base_fee\":0}")
            let byToken = try await RawHTTP.send(port: port, method: "GET", target: "/clob/markets-by-token/\(token)")
            #expect(byToken.status == 200 && byToken.body.contains("\"condition_id\":\"\(charged)\""))
            let missing = try await RawHTTP.send(port: port, method: "GET", target: "/clob/markets-by-token/123")
            #expect(missing.status == 404)
        }
    }

    @Test func resolutionsShowOnGammaAtTheirTimeWithClosedTimeAndTheReplayLoops() async throws {
        let history = generated(50)
        let market = history[0].conditionId
        let tokens = try #require(SimExchange(trades: history).markets[market]?.tokens)
        let first = history.map(\.timestamp).min() ?? 0
        let at = first + 60
        let exchange = SimExchange(
            trades: history,
            resolutions: [
                HistoryCatalog.Resolution(
                    conditionId: market, question: "Q?", eventSlug: "e", yesToken: tokens[0], noToken: tokens[1],
                    winningIndex: 0, resolvedAt: at)
            ])
        try await withSimulator(exchange) { base, _ in
            let t = transport(retry: .none, timeout: .processWait)
            defer { Task { try? await t.shutdown() } }
            let gamma = GammaClient(baseURL: base + "/gamma", transport: t)
            // Before the venue's clock reaches the resolution time: open.
            await exchange.publishNext(1)
            var m = try #require(try await gamma.markets(conditionIds: [market]).first)
            #expect(m.winningTokenId == nil && m.closedAt == nil)
            // Once a trade after it is published: resolved, with Gamma's closedTime.
            while let next = await exchange.nextTradeTime, next <= at { await exchange.publishNext(1) }
            if await exchange.simNow <= at {
                // The generated history may end before `at`: the loop's shifted trades pass it.
                await exchange.appendLoop()
                await exchange.publishNext(1)
            }
            await exchange.publishNext(1)
            m = try #require(try await gamma.markets(conditionIds: [market]).first)
            #expect(m.winningTokenId == tokens[0])
            #expect(m.closedAt == at)
            #expect(MarketInfo(gamma: m).resolvedAt == at)
        }
        // The loop: the same trades again, shifted by whole days, with new hashes; the original history is unchanged.
        let looped = SimExchange(trades: history)
        let shift = await looped.appendLoop()
        let timeline = await looped.timeline
        #expect(shift > 0 && shift % 86_400 == 0)
        #expect(timeline.count == 2 * looped.history.count)
        #expect(timeline[looped.history.count].timestamp == looped.history[0].timestamp + shift)
        #expect(Set(timeline.map(\.key)).count == timeline.count)
        await looped.publishNext(timeline.count)
        #expect(await looped.finished)
    }

    @Test func timedOutButFilledOrderIsOnTheBook() async throws {
        let exchange = venue()
        try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(400)
            // Set-up and the lookup get a patient transport (the suite runs beside heavy tests). The POST's 5 s limit is
            // long enough for the request to reach the venue on a loaded machine (a 400 ms limit once gave up before
            // sending it), and far shorter than the 60 s the venue holds its answer.
            let setup = transport(retry: .none, timeout: .processWait)
            let t = transport(retry: .none, timeout: .seconds(5))
            defer {
                Task {
                    try? await t.shutdown()
                    try? await setup.shutdown()
                }
            }
            let (creds, lookup) = try await account(base, setup)
            let clob = ClobClient(baseURL: base + "/clob", transport: t, auth: (creds, testKey.address))
            let (token, ask, tick, negRisk) = try await tradableToken(exchange)
            var f = SimFaults()
            f.timeoutButFillNextOrders = 1
            f.holdResponseSeconds = 60
            await exchange.setFaults(f)
            let signed = try OrderBuilder(key: testKey, domain: ExchangeDomain.forVersion(2, chainId: 137)!).build(
                OrderRequest(
                    tokenId: token, side: .buy, price: ask, size: Micros(10_000_000), tickSize: tick, negRisk: negRisk),
                salt: 99, timestampMs: 1, now: Int64(Date().timeIntervalSince1970))
            await #expect(throws: PolymarketHTTPError.timeout) {
                try await clob.postOrder(body: signed.postBody(owner: creds.apiKey, orderType: .gtc))
            }
            // Looking it up (what the executor must do before any retry) finds it filled — once the venue has taken it:
            // the client gave up after 5 s, and under load the server may not have matched it yet.
            let digest = HexCoding.encode(signed.digest)
            #expect(await eventually { await exchange.allOrders.contains { $0.id == digest } })
            let found = try await lookup.order(id: digest)
            #expect(found?.status == "MATCHED")
        }
    }

    @Test func socketFaultsDropAndStallTheFeed() async throws {
        let exchange = venue()
        let events = try await withSimulator(exchange) { _, ws -> [FeedEvent] in
            let got = Mutex<[FeedEvent]>([])
            let feed = RTDSFeed(
                configuration: .init(
                    url: ws + "/ws", pingInterval: .milliseconds(100), stallTimeout: .milliseconds(500),
                    initialBackoff: .milliseconds(50)), logger: logger)
            let task = Task { await feed.run { e in got.withLock { $0.append(e) } } }
            _ = await eventually { !got.withLock { $0.isEmpty } }
            // One trade first: a gap is only reported once there is a trade time to measure it from (market time).
            // (Published until one arrives: the subscription may not be registered yet when the socket opens.)
            _ = await eventually {
                if got.withLock({ $0.contains { if case .trade = $0 { true } else { false } } }) { return true }
                await exchange.publishNext(1)
                return false
            }
            // Drop: the server closes the sockets; the feed reconnects.
            // (Waits for the gap itself: under load the 500 ms watchdog may already have reconnected once.)
            await exchange.dropAllSockets()
            _ = await eventually { got.withLock { $0.contains { if case .gap = $0 { true } else { false } } } }
            // Stall: open socket, no frames (PONG included) → the watchdog fires (a new stall event, counted).
            let stalls: @Sendable () -> Int = {
                got.withLock { $0.filter { if case .stalled = $0 { true } else { false } }.count }
            }
            let stallsBefore = stalls()
            var f = SimFaults()
            f.stallSeconds = 1.5
            await exchange.setFaults(f)
            _ = await eventually { stalls() != stallsBefore }
            task.cancel()
            await task.value
            return got.withLock { $0 }
        }
        #expect(events.contains(.connected(attempt: 2)))
        #expect(events.contains { if case .disconnected = $0 { true } else { false } })
        #expect(events.contains { if case .stalled = $0 { true } else { false } })
        #expect(events.contains { if case .gap = $0 { true } else { false } })
    }

    @Test func restingOrdersBatchesAndCancels() async throws {
        let exchange = venue()
        try await withSimulator(exchange) { base, _ in
            await exchange.publishNext(400)
            let t = transport()
            defer { Task { try? await t.shutdown() } }
            let (creds, clob) = try await account(base, t)
            let (token, _, tick, negRisk) = try await tradableToken(exchange)
            let bid = try #require(await exchange.book(token: token)?.bestBid)
            let builder = try OrderBuilder(key: testKey, domain: ExchangeDomain.forVersion(2, chainId: 137)!)
            let now = Int64(Date().timeIntervalSince1970)
            // Two resting bids below the touch, in one batch.
            let bodies = try [1, 2].map { k in
                try builder.build(
                    OrderRequest(
                        tokenId: token, side: .buy, price: Micros(bid.raw - Int64(k) * tick.micros),
                        size: Micros(6_000_000), tickSize: tick, negRisk: negRisk),
                    salt: UInt64(k), timestampMs: UInt64(now) * 1000, now: now
                ).postBody(owner: creds.apiKey, orderType: .gtc)
            }
            let placed = try await clob.postOrders(bodies: bodies)
            #expect(placed.count == 2 && placed.allSatisfy { $0.accepted && $0.status == "live" })
            #expect(try await clob.openOrders().count == 2)
            _ = try await clob.cancel(orderIds: [placed[0].orderID])
            #expect(try await clob.openOrders().map(\.id) == [placed[1].orderID])
            _ = try await clob.cancelAll()
            #expect(try await clob.openOrders().isEmpty)
            #expect(try await clob.order(id: placed[1].orderID)?.status == "CANCELED")
        }
    }

    @Test func generatorIsDeterministicAndCoversTheWallets() {
        let a = generated(20_000, seed: 11)
        let b = generated(20_000, seed: 11)
        let c = generated(20_000, seed: 12)
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a.map(\.wallet)).count == 2_000)
    }
}
