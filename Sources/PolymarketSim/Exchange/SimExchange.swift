import Foundation
import PolybotCore
import Polymarket

/// The simulated venue's state: the replayed history, markets, synthetic books, accounts, orders and the
/// WebSocket subscribers. One actor, so every request sees a consistent venue.
public actor SimExchange {
    // MARK: - History and markets

    /// Every trade to replay, repeated rows dropped and twins numbered (``RecordedFills``), ordered by time (stable).
    public nonisolated let history: [Trade]
    /// What is replayed: `history`, then each loop's shifted copy (``appendLoop()``).
    public private(set) var timeline: [Trade]
    /// Loops appended so far.
    public private(set) var loops = 0
    /// How many of `timeline` have been published (visible on the Data API and sent on RTDS).
    public private(set) var published = 0
    public nonisolated let markets: [String: HistoryMarket]
    let tokenMarket: [String: String]
    var lastPrice: [String: Micros] = [:]
    /// Book liquidity taken by our orders since the last replayed trade re-centred the book.
    var consumed: [String: [Int64: Micros]] = [:]
    public var faults = SimFaults()
    /// Markets on another exchange version than 2 (3: ExchangeV3, one exchange for every market, its own domain).
    var marketVersions: [String: Int] = [:]
    /// Funder wallets (proxy, Safe, deposit wallet) by lower-cased address.
    var wallets: [String: SimWallet] = [:]
    /// Addresses whose pUSD allowances to the exchanges are zero (the startup check must refuse them).
    var withoutAllowance: Set<String> = []
    /// Heartbeat chains per API key: the id expected next and when the last one arrived.
    var heartbeatSessions: [String: (id: String, last: ContinuousClock.Instant)] = [:]
    /// With `requireHeartbeats`: when a key with resting orders and no heartbeat was first seen.
    var heartbeatArmed: [String: ContinuousClock.Instant] = [:]
    var heartbeatsReceived: [String: Int] = [:]
    /// Orders the dead-man switch cancelled.
    public internal(set) var heartbeatCancels: [SimHeartbeatCancel] = []
    /// Markets resolved by a control call (tests, `POST /_sim/resolve`): the winner and whether the AutoRedeemer
    /// covers it.
    var resolvedByControl: [String: (winner: String, autoRedeem: Bool)] = [:]
    var resolvedByControlAt: [String: Int64] = [:]
    /// Transaction nonces and receipts (`/rpc`).
    var nonces: [String: UInt64] = [:]
    var receipts: [String: Bool] = [:]
    /// Redemptions made by the AutoRedeemer and by holders' own transactions.
    public internal(set) var autoRedemptions = 0
    public internal(set) var manualRedemptions = 0
    /// Addresses whose outcome-token (ERC-1155) approvals were withdrawn (`POST /_sim/approvals`).
    var withoutOutcomeApprovals: Set<String> = []
    /// Matching engine restart: HTTP 425 until `engineDownUntil`, then post-only until `postOnlyUntil`.
    var engineDownUntil: ContinuousClock.Instant?
    var postOnlyUntil: ContinuousClock.Instant?
    /// Cancel-only mode until then (503 on every new order, cancels accepted).
    var cancelOnlyUntil: ContinuousClock.Instant?
    /// Per-signer buckets ("order|0x…" / "cancel|0x…").
    var signerBuckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]
    /// Requests the per-signer buckets refused (429), for tests.
    public internal(set) var signerRefusals = 0
    /// The Polygon chain the trades settle on (`/rpc`), its subscribers, and when each trade was published (wall
    /// clock, for the `data-api-lag` fault).
    var chain: SimChain
    var rpcSockets: [UUID: SimRPCSocket] = [:]
    /// `eth_subscribe` calls answered so far (only grows: a test waits on it, not on a socket a fault may drop).
    public internal(set) var rpcSubscriptionsMade = 0
    var publishedWall: [ContinuousClock.Instant] = []
    var lastBlockWall = ContinuousClock.now
    /// The simulated clock: the time of the last published trade (Unix seconds), or the first trade's before any.
    public private(set) var simNow: Int64

    // MARK: - Accounts and orders

    struct Account {
        var address: EthAddress
        var credentials: ApiCredentials
    }

    var accounts: [String: Account] = [:]
    var accountsByAddress: [String: String] = [:]
    /// pUSD balance per address (lower-case hex).
    var balances: [String: Micros] = [:]
    /// Shares per address per token.
    var holdings: [String: [String: Micros]] = [:]
    var orders: [String: SimOrder] = [:]
    /// Authenticated `POST /order` requests received (a re-send of the same order counts again).
    public internal(set) var orderPosts = 0
    var fills: [SimFill] = []
    let startingBalance: Micros
    var pendingEvents: [(due: ContinuousClock.Instant, apiKey: String, text: String)] = []
    var requestsSeen = 0
    var rateLimitRemaining = 0
    /// REST requests answered 429 so far (tests wait on it).
    public internal(set) var rateLimitedAnswers = 0

    // MARK: - Subscribers

    struct RTDSSubscriber {
        var continuation: AsyncStream<String>.Continuation
        var subscribed = false
        var eventSlug: String?
        var marketSlug: String?
    }

    var rtds: [UUID: RTDSSubscriber] = [:]
    var marketSubscribers: [UUID: (continuation: AsyncStream<String>.Continuation, assets: Set<String>)] = [:]
    /// Market-channel connections that asked for the custom features (`market_resolved` is sent only to them).
    var marketCustomFeatures: Set<UUID> = []
    /// Markets whose `market_resolved` has been sent, and the recorded resolutions in time order (built on first use).
    var resolutionsAnnounced: Set<String> = []
    var resolutionSchedule: [(at: Int64, id: String)]?
    /// `market_resolved` frames written (tests wait on it).
    public internal(set) var marketResolvedSent = 0
    var userSubscribers: [UUID: (continuation: AsyncStream<String>.Continuation, apiKey: String)] = [:]
    var stallUntil: ContinuousClock.Instant?
    /// RTDS frames written to sockets so far (pings and pongs excluded).
    public internal(set) var rtdsFramesSent = 0

    /// Creates a venue over a history.
    ///
    /// - Parameters:
    ///   - trades: the trades to replay (duplicates are dropped, order is by timestamp, ties keep input order).
    ///   - resolutions: optional market resolutions.
    ///   - startingBalance: pUSD credited to every account the first time it derives an API key.
    ///   - fees: the fee fields each market shows on Gamma (none by default, as in the recorded data).
    public init(
        trades: [Trade], resolutions: [HistoryCatalog.Resolution] = [],
        startingBalance: Micros = Micros(100_000_000_000), fees: (HistoryMarket) -> GammaFees? = { _ in nil }
    ) {
        var fills = RecordedFills()
        var unique: [Trade] = []
        unique.reserveCapacity(trades.count)
        for t in trades { if let t = fills.admit(t) { unique.append(t) } }
        let ordered = unique.enumerated().sorted {
            ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset)
        }.map(\.element)
        history = ordered
        timeline = ordered
        markets = HistoryCatalog.build(trades: ordered, resolutions: resolutions).mapValues { m in
            var m = m
            m.fees = fees(m)
            return m
        }
        var tokenMarket: [String: String] = [:]
        for m in markets.values { for t in m.tokens { tokenMarket[t] = m.conditionId } }
        self.tokenMarket = tokenMarket
        simNow = ordered.first?.timestamp ?? Int64(Date().timeIntervalSince1970)
        chain = SimChain(t0: simNow - SimChain.blockSeconds)
        self.startingBalance = startingBalance
    }

    // MARK: - Replay

    /// Publishes the next `count` trades (or fewer at the end). Returns how many were published.
    @discardableResult
    public func publishNext(_ count: Int = 1) -> Int {
        var n = 0
        while n < count, published < timeline.count {
            publish(timeline[published])
            published += 1
            n += 1
        }
        if n > 0 { sealChain() }
        return n
    }

    /// Appends the recorded history again after its end, shifted by whole days (so every resolution time of the
    /// previous pass has passed) with fresh transaction hashes: a replay keeps a live feed after its recorded end.
    /// Returns the shift in seconds (0 when there is no history).
    @discardableResult
    public func appendLoop() -> Int64 {
        guard let first = history.first?.timestamp, let last = history.last?.timestamp else { return 0 }
        loops += 1
        let days = (last - first) / 86_400 + 1
        let shift = days * 86_400 * Int64(loops)
        let tag = String(format: "%04x", loops % 0x10000)
        timeline += history.map { t in
            var t = t
            t.timestamp += shift
            t.transactionHash = "0x" + tag + t.transactionHash.dropFirst(6)
            return t
        }
        return shift
    }

    /// Time of the next unpublished trade, if any.
    public var nextTradeTime: Int64? { published < timeline.count ? timeline[published].timestamp : nil }

    /// True when every trade has been published.
    public var finished: Bool { published >= timeline.count }

    private func publish(_ t: Trade) {
        simNow = max(simNow, t.timestamp)
        lastPrice[t.asset] = t.price
        consumed[t.asset] = nil
        if let other = tokenMarket[t.asset].flatMap({ markets[$0] })?.complement(of: t.asset) {
            lastPrice[other] = Micros.one - t.price
            consumed[other] = nil
        }
        publishedWall.append(ContinuousClock.now)
        chain.append(t, exchange: chainExchange(for: t))
        broadcastRTDS(t)
        broadcastMarket(t)
        fillRestingOrders(against: t)
    }

    // MARK: - Synthetic books

    /// Five levels a side around the last trade price, on the market's tick, minus what our orders took.
    public func book(token: String) -> OrderBook? {
        guard let conditionId = tokenMarket[token], let market = markets[conditionId] else { return nil }
        return SyntheticBook.synthetic(
            market: market, token: token, reference: lastPrice[token], used: consumed[token] ?? [:],
            timestampMs: simNow * 1000)
    }

    func consume(token: String, price: Micros, size: Micros) {
        consumed[token, default: [:]][price.raw, default: .zero] += size
    }

    // MARK: - Data API views (only what has been published)

    /// The published trades matching the `/trades` filters, newest first.
    public func publishedTrades(
        user: Address?, markets filter: Set<String>, side: TradeSide?, minCash: Micros?, minTokens: Micros?
    )
        -> ArraySlice<Trade>
    {
        var out: [Trade] = []
        var i = dataAPIVisible - 1
        while i >= 0 {
            let t = timeline[i]
            i -= 1
            if let user, t.wallet != user { continue }
            if !filter.isEmpty && !filter.contains(t.conditionId) { continue }
            if let side, t.side != side { continue }
            if let minCash, t.notional < minCash { continue }
            if let minTokens, t.size < minTokens { continue }
            out.append(t)
        }
        return out[...]
    }

    /// A wallet's published trades in [start, end], in the requested order.
    public func activity(user: Address, start: Int64?, end: Int64?, ascending: Bool) -> [Trade] {
        var out = timeline.prefix(dataAPIVisible).filter {
            $0.wallet == user && $0.timestamp >= (start ?? 0) && $0.timestamp <= (end ?? .max)
        }
        if !ascending { out.reverse() }
        return out
    }

    /// Net holdings of a wallet from the published trades (and, for our accounts, the simulated fills).
    public func positions(
        user: Address
    ) -> [(token: String, size: Micros, avgPrice: Micros, bought: Micros, realized: Micros)] {
        var book: [String: (size: Micros, cost: Micros, bought: Micros, realized: Micros)] = [:]
        var order: [String] = []
        // The user's trades in the published history, then the fills of the user's own CLOB orders (a real account's
        // positions include what it traded on the CLOB; reconciliation compares against them).
        var moves = timeline.prefix(published).filter { $0.wallet == user }.map {
            (asset: $0.asset, side: $0.side, size: $0.size, price: $0.price, notional: $0.notional)
        }
        for f in fills {
            guard let o = orders[f.orderId], Address(o.maker) == user else { continue }
            moves.append((f.tokenId, f.side, f.size, f.price, f.size.multiplied(by: f.price)))
        }
        for t in moves {
            var p =
                book[t.asset]
                ?? {
                    order.append(t.asset)
                    return (.zero, .zero, .zero, .zero)
                }()
            if t.side == .buy {
                p.size += t.size
                p.cost += t.notional
                p.bought += t.size
            } else {
                let sold = min(t.size, p.size)
                guard sold > .zero else {
                    book[t.asset] = p
                    continue
                }
                let avg = Micros(p.cost.raw * Micros.scale / max(p.size.raw, 1))
                let basis = sold.multiplied(by: avg)
                p.realized += sold.multiplied(by: t.price) - basis
                p.cost -= basis
                p.size -= sold
            }
            book[t.asset] = p
        }
        return order.compactMap { token in
            guard let p = book[token] else { return nil }
            let avg = p.size > .zero ? Micros(p.cost.raw * Micros.scale / p.size.raw) : .zero
            return (token, p.size, avg, p.bought, p.realized)
        }
    }

    /// Top holders of each token of a market from the published trades.
    public func holders(market: String, limit: Int) -> [(token: String, holders: [(Address, Micros)])] {
        guard let m = markets[market] else { return [] }
        return m.tokens.map { token in
            var net: [Address: Micros] = [:]
            for t in timeline.prefix(published) where t.asset == token {
                net[t.wallet, default: .zero] += t.side == .buy ? t.size : -t.size
            }
            let top = net.filter { $0.value > .zero }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit)
            return (token, top.map { ($0.key, $0.value) })
        }
    }

    /// Leaderboard by traded volume over the published history.
    public func leaderboard(limit: Int, offset: Int) -> [(Address, Micros)] {
        var volume: [Address: Micros] = [:]
        for t in timeline.prefix(published) { volume[t.wallet, default: .zero] += t.notional }
        return Array(volume.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.dropFirst(offset).prefix(limit))
    }

    // MARK: - Faults and request accounting

    /// Replaces the fault configuration; a stall starts now.
    public func setFaults(_ f: SimFaults) {
        faults = f
        if f.restartSeconds > 0 { restartEngine(downSeconds: f.restartSeconds, postOnlySeconds: f.postOnlySeconds) }
        if f.cancelOnlySeconds > 0 { cancelOnly(seconds: f.cancelOnlySeconds) }
        rateLimitRemaining = f.rateLimitBurst
        stallUntil =
            f.stallSeconds > 0 ? ContinuousClock.now.advanced(by: .milliseconds(Int64(f.stallSeconds * 1000))) : nil
    }

    /// What to do with the next REST request: serve, 429 (with Retry-After) or 503.
    func admit() -> RequestFate {
        requestsSeen += 1
        if rateLimitRemaining > 0 {
            rateLimitRemaining -= 1
            rateLimitedAnswers += 1
            return .rateLimited(retryAfter: faults.retryAfterSeconds)
        }
        if faults.rateLimitRate > 0, Double.random(in: 0..<1) < faults.rateLimitRate {
            rateLimitedAnswers += 1
            return .rateLimited(retryAfter: faults.retryAfterSeconds)
        }
        if faults.errorRate > 0, Double.random(in: 0..<1) < faults.errorRate { return .unavailable }
        return .serve(latencyMilliseconds: faults.latencyMilliseconds)
    }

    enum RequestFate {
        case serve(latencyMilliseconds: Int)
        case rateLimited(retryAfter: Double)
        case unavailable
    }

    /// True while a silent stall is in force.
    public var stalled: Bool {
        guard let until = stallUntil else { return false }
        if ContinuousClock.now >= until {
            stallUntil = nil
            return false
        }
        return true
    }
}
