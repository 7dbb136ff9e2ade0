/// The consensus rule of a basket (architecture.md, "Definitions").
public struct ConsensusRule: Sendable, Hashable, Codable {
    /// Rolling window, seconds (24 h by default, up to 48 h by design).
    public var windowSeconds: Int64 = 24 * 3_600
    /// Minimum agreeing members.
    public var minMembers = 3
    /// agreeing / (agreeing + opposing), basis points (8000 = 80 %).
    public var ratioBps = 8_000
    /// Required upside 1 − (best ask + our taker fee per share).
    public var minUpside = Micros(50_000)
    /// A member's net stance must be at least this much USDC to count as agreeing or opposing.
    public var minNetNotional = Micros(1_000_000_000)

    /// The design's defaults.
    public init() {}

    /// The rule of a stored basket.
    public init(basket: Basket, minNetNotional: Micros = Micros(1_000_000_000)) {
        windowSeconds = Int64(basket.windowHours) * 3_600
        minMembers = basket.minMembers
        ratioBps = basket.consensusRatioBps
        minUpside = basket.minUpside
        self.minNetNotional = minNetNotional
    }
}

/// A copy signal with its provenance: which wallets agreed and opposed, their trades, the ratio.
public struct CopySignal: Sendable, Hashable, Codable {
    /// Deterministic key (basket, market, outcome, window start) so a re-evaluation cannot fire twice.
    public var key: String
    public var basketId: Int64
    public var conditionId: String
    /// The token to buy.
    public var asset: String
    public var outcome: String
    public var agreeing: [Address]
    public var opposing: [Address]
    /// agreeing / (agreeing + opposing).
    public var ratio: Double
    /// The agreeing members' trades in the window.
    public var trades: [TradeKey]
    /// Notional-weighted price the agreeing members paid for `asset`.
    public var whaleAveragePrice: Micros
    /// Sum of the agreeing members' net notional.
    public var whaleNotional: Micros
    public var bestAsk: Micros
    public var windowStart: Int64
    public var createdAt: Int64
    /// The score snapshots (ids) that made the agreeing wallets count, as the consensus stage saw them; nil when the
    /// signal was built without stored scores (pure logic, tests).
    public var scoreIds: [Int64]?
    /// The agreeing votes: one list per cluster (the wallets of one trader that traded in the window), in address
    /// order; `agreeing` flattens it. Nil on a signal stored before clusters existed.
    public var votes: [[Address]]?
    /// How many clusters opposed.
    public var opposingVotes: Int?

    /// Creates a signal.
    public init(
        key: String, basketId: Int64, conditionId: String, asset: String, outcome: String, agreeing: [Address],
        opposing: [Address], ratio: Double, trades: [TradeKey], whaleAveragePrice: Micros, whaleNotional: Micros,
        bestAsk: Micros, windowStart: Int64, createdAt: Int64
    ) {
        self.key = key
        self.basketId = basketId
        self.conditionId = conditionId
        self.asset = asset
        self.outcome = outcome
        self.agreeing = agreeing
        self.opposing = opposing
        self.ratio = ratio
        self.trades = trades
        self.whaleAveragePrice = whaleAveragePrice
        self.whaleNotional = whaleNotional
        self.bestAsk = bestAsk
        self.windowStart = windowStart
        self.createdAt = createdAt
    }
}

extension TradeKey: Codable {
    enum CodingKeys: String, CodingKey { case transactionHash, wallet, asset, side, size, ordinal }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            transactionHash: try c.decode(String.self, forKey: .transactionHash),
            wallet: try c.decode(Address.self, forKey: .wallet),
            asset: try c.decode(String.self, forKey: .asset), side: try c.decode(TradeSide.self, forKey: .side),
            size: try c.decode(Micros.self, forKey: .size),
            ordinal: try c.decodeIfPresent(Int.self, forKey: .ordinal) ?? 0)
    }

    /// The ordinal is written only for a twin (most keys have none).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transactionHash, forKey: .transactionHash)
        try c.encode(wallet, forKey: .wallet)
        try c.encode(asset, forKey: .asset)
        try c.encode(side, forKey: .side)
        try c.encode(size, forKey: .size)
        if ordinal > 0 { try c.encode(ordinal, forKey: .ordinal) }
    }
}

/// What an evaluation concluded: a business outcome, not an error.
public enum ConsensusOutcome: Sendable, Hashable {
    case signal(CopySignal)
    case miss(ConsensusMiss)

    /// The signal, if one fired.
    public var signal: CopySignal? { if case .signal(let s) = self { s } else { nil } }
}

/// Why no signal fired.
public enum ConsensusMiss: Sendable, Hashable {
    case tooFewAgreeing(agreeing: Int, needed: Int)
    case ratioTooLow(agreeing: Int, opposing: Int)
    case noBook
    case noUpside(bestAsk: Micros)
    /// The market's fee schedule is not known (or the fee at the ask cannot be computed): the upside cannot be judged.
    case feeUnknown
    case alreadySignalled
}

/// Rolling basket consensus per (basket, market). A pure value type: feed it member trades and the clock,
/// it answers with a ``CopySignal`` or the reason there is none.
public struct BasketConsensus: Sendable {
    public let basketId: Int64
    public let members: Set<Address>
    public let rule: ConsensusRule
    /// Who is one trader (``WalletClusters``), as of the trade being added: the wallets of a cluster cast one vote.
    /// Every wallet is its own cluster until the caller sets it.
    public var clusters = ClusterView()
    /// Member trades within the window, per market, in arrival order.
    fileprivate(set) var window: [String: [Trade]] = [:]
    /// Signals already fired: key → time, kept one window long.
    private var fired: [String: Int64] = [:]

    /// Creates the state of one basket.
    public init(basketId: Int64, members: Set<Address>, rule: ConsensusRule) {
        self.basketId = basketId
        self.members = members
        self.rule = rule
    }

    /// Adds a trade (ignored unless a member made it) and evaluates the market it touched.
    ///
    /// - Parameters:
    ///   - trade: a whale trade.
    ///   - now: current Unix seconds (window and signal time).
    ///   - fees: the market's taker fee schedule (nil when unknown: no signal, ``ConsensusMiss/feeUnknown``).
    ///   - bestAsk: the current best ask of a token (nil when no book).
    /// - Returns: a signal, a miss, or nil when the trade is not a member's.
    public mutating func add(
        _ trade: Trade, now: Int64, fees: FeeSchedule?, bestAsk: (String) -> Micros?
    ) -> ConsensusOutcome? {
        guard members.contains(trade.wallet) else { return nil }
        // The same trade twice (feed and backfill, a retried write, a window rebuilt from the store) counts once; the
        // market is still evaluated (a fired signal is never fired again).
        if !(window[trade.conditionId]?.contains(where: { $0.key == trade.key }) ?? false) {
            window[trade.conditionId, default: []].append(trade)
        }
        prune(now: now)
        return evaluate(market: trade.conditionId, now: now, fees: fees, bestAsk: bestAsk)
    }

    /// Restores evidence known before a restart or a rule change, without evaluating it: member trades already stored
    /// and the signals already fired (by key and creation time), then prunes to the window ending at `now`.
    public mutating func seed(trades: [Trade], fired signals: [(key: String, createdAt: Int64)], now: Int64) {
        for t in trades where members.contains(t.wallet) {
            guard !(window[t.conditionId]?.contains(where: { $0.key == t.key }) ?? false) else { continue }
            window[t.conditionId, default: []].append(t)
        }
        for s in signals { fired[s.key] = max(fired[s.key] ?? s.createdAt, s.createdAt) }
        prune(now: now)
    }

    /// A trade taken back (a chain reorg) leaves the window; true when it was held. A signal it already made stays
    /// fired (the operator is told about it elsewhere).
    @discardableResult
    public mutating func retract(_ trade: Trade) -> Bool {
        guard let held = window[trade.conditionId], held.contains(where: { $0.key == trade.key }) else { return false }
        let kept = held.filter { $0.key != trade.key }
        window[trade.conditionId] = kept.isEmpty ? nil : kept
        return true
    }

    /// Member trades held in the window, over all markets.
    public var heldTrades: Int { window.values.reduce(0) { $0 + $1.count } }

    /// Drops trades older than the window and forgets signals older than it.
    public mutating func prune(now: Int64) {
        let cutoff = now - rule.windowSeconds
        for (m, trades) in window {
            let kept = trades.filter { $0.timestamp >= cutoff }
            window[m] = kept.isEmpty ? nil : kept
        }
        fired = fired.filter { $0.value >= cutoff }
    }

    /// Evaluates one market's window. The upside gate is after our taker fee: 1 − (best ask + fee per share at the ask)
    /// must reach ``ConsensusRule/minUpside`` — a copy is a taker, and the fee is what the upside must pay first.
    public mutating func evaluate(
        market: String, now: Int64, fees: FeeSchedule?, bestAsk: (String) -> Micros?
    ) -> ConsensusOutcome {
        let trades = window[market] ?? []
        // Net bought notional per vote per token (buys minus sells): the wallets of one cluster vote together, with
        // their combined stance.
        var net: [Address: [String: Int64]] = [:]
        var outcomeName: [String: String] = [:]
        for t in trades {
            let signed = t.side == .buy ? t.notional.raw : -t.notional.raw
            net[clusters.cluster(of: t.wallet), default: [:]][t.asset, default: 0] += signed
            outcomeName[t.asset] = t.outcome
        }
        // Each vote's stance towards each token: its net on the token minus its net on the other tokens
        // (a hedged member nets out).
        let tokens = Set(trades.map(\.asset))
        var best: (asset: String, agreeing: [Address], opposing: [Address])?
        for token in tokens.sorted() {
            var agreeing: [Address] = []
            var opposing: [Address] = []
            for (wallet, positions) in net {
                let on = positions[token] ?? 0
                let against = positions.filter { $0.key != token }.values.reduce(0, +)
                let stance = on - against
                if stance >= rule.minNetNotional.raw {
                    agreeing.append(wallet)
                } else if stance <= -rule.minNetNotional.raw {
                    opposing.append(wallet)
                }
            }
            if best == nil || agreeing.count > best!.agreeing.count {
                best = (token, agreeing.sorted(), opposing.sorted())
            }
        }
        guard let (asset, agreeing, opposing) = best, !agreeing.isEmpty else {
            return .miss(.tooFewAgreeing(agreeing: 0, needed: rule.minMembers))
        }
        guard agreeing.count >= rule.minMembers else {
            return .miss(.tooFewAgreeing(agreeing: agreeing.count, needed: rule.minMembers))
        }
        guard agreeing.count * 10_000 >= rule.ratioBps * (agreeing.count + opposing.count) else {
            return .miss(.ratioTooLow(agreeing: agreeing.count, opposing: opposing.count))
        }
        guard let ask = bestAsk(asset) else { return .miss(.noBook) }
        guard let fees, let paying = fees.effectivePrice(ask) else { return .miss(.feeUnknown) }
        guard Micros.one - paying >= rule.minUpside else { return .miss(.noUpside(bestAsk: ask)) }
        let windowStart = trades.map(\.timestamp).min() ?? now
        let key = "\(basketId):\(market):\(asset):\(windowStart / max(rule.windowSeconds, 1))"
        guard fired.first(where: { $0.key.hasPrefix("\(basketId):\(market):\(asset):") }) == nil else {
            return .miss(.alreadySignalled)
        }
        fired[key] = now
        let agreeingSet = Set(agreeing)
        let evidence = trades.filter { agreeingSet.contains(clusters.cluster(of: $0.wallet)) }
        // The wallets behind the agreeing votes (those that traded in the window), and behind the opposing ones.
        let agreeingWallets = Array(Set(evidence.map(\.wallet))).sorted()
        let opposingSet = Set(opposing)
        let opposingWallets = Array(
            Set(trades.filter { opposingSet.contains(clusters.cluster(of: $0.wallet)) }.map(\.wallet))
        )
        .sorted()
        var paid: Int128 = 0
        var shares: Int128 = 0
        for t in evidence where t.side == .buy && t.asset == asset {
            paid += Int128(t.notional.raw)
            shares += Int128(t.size.raw)
        }
        let avg = shares > 0 ? Micros(Int64(paid * Int128(Micros.scale) / shares)) : .zero
        let whaleNotional = Micros(
            agreeing.reduce(Int64(0)) { sum, w in
                let p = net[w] ?? [:]
                return sum + (p[asset] ?? 0) - p.filter { $0.key != asset }.values.reduce(0, +)
            })
        var signal = CopySignal(
            key: key, basketId: basketId, conditionId: market, asset: asset, outcome: outcomeName[asset] ?? "",
            agreeing: agreeingWallets,
            opposing: opposingWallets, ratio: Double(agreeing.count) / Double(agreeing.count + opposing.count),
            trades: evidence.map(\.key),
            whaleAveragePrice: avg, whaleNotional: whaleNotional, bestAsk: ask, windowStart: windowStart,
            createdAt: now)
        signal.votes = Dictionary(grouping: agreeingWallets, by: { clusters.cluster(of: $0) }).values.map {
            $0.sorted()
        }
        .sorted { $0[0] < $1[0] }
        signal.opposingVotes = opposing.count
        return .signal(signal)
    }
}

extension BasketConsensus {
    /// Tokens traded in a market's current window (the stage refreshes their books before evaluating).
    public func tokens(market: String) -> Set<String> { Set((window[market] ?? []).map(\.asset)) }
}
