/// The backtest's fast pure path: what a basket with a membership schedule would have copied, filled from the tape.
///
/// The same rules as the daemon's stages, without I/O: the whale filter's minimum notional, the basket consensus
/// (window, members, ratio, upside after the fee), the limit price (``LimitPrice``), the risk manager's slippage
/// check (price + fee within the whales' price + the cap), fixed sizing at the limit (``PositionSizing``) and fills
/// from the prints after the copy delay (``TapeFills``, depleted by this run's own fills). The ask it reads is the
/// replay's view of a book: one tick above the token's last print up to the trade being handled. Positions are held to resolution: no exits, no risk caps — the verdict asks whether the copied
/// **entries** beat their prices, and every basket (the walk-forward, every whale, random ones) is judged by this one
/// path, so their comparison is like for like.
public struct CopySimulation: Sendable {
    /// The copy rules.
    public struct Rules: Sendable, Hashable {
        public var consensus: ConsensusRule
        /// A trade counts as a whale trade from this notional (and a member's stance needs as much).
        public var whaleMinNotional: Micros
        /// How far above the whales' price the limit may go, fee included.
        public var slippage: Micros
        /// USDC per signal.
        public var fixedOrder: Micros
        public var copyDelaySeconds: Int64
        public var lifetimeSeconds: Int64

        /// Creates rules.
        public init(
            consensus: ConsensusRule, whaleMinNotional: Micros, slippage: Micros, fixedOrder: Micros,
            copyDelaySeconds: Int64, lifetimeSeconds: Int64
        ) {
            self.consensus = consensus
            self.whaleMinNotional = whaleMinNotional
            self.slippage = slippage
            self.fixedOrder = fixedOrder
            self.copyDelaySeconds = copyDelaySeconds
            self.lifetimeSeconds = lifetimeSeconds
        }
    }

    /// What the simulation knows of a market.
    public struct Market: Sendable, Hashable {
        public var tick: Micros
        public var minimumShares: Micros
        /// The taker fee schedule; nil = unknown: the market is not traded.
        public var fees: FeeSchedule?
        /// The independent unit (event slug, or the market).
        public var event: String
        /// The winning token (evaluation only); nil = not resolved.
        public var winner: String?

        /// Creates a market.
        public init(tick: Micros, minimumShares: Micros, fees: FeeSchedule?, event: String, winner: String?) {
            self.tick = tick
            self.minimumShares = minimumShares
            self.fees = fees
            self.event = event
            self.winner = winner
        }
    }

    /// A basket held from `time` on.
    public struct Membership: Sendable, Hashable {
        public var time: Int64
        public var members: Set<Address>

        /// Creates an entry.
        public init(time: Int64, members: Set<Address>) {
            self.time = time
            self.members = members
        }
    }

    public let rules: Rules
    public let markets: [String: Market]
    /// The period's whale trades, in time order.
    public let whaleTrades: [Trade]
    /// Each whale trade's index in the period's trades.
    private let whaleIndices: [Int]
    /// The period's tape (nothing taken yet).
    public let tape: TapeFills
    /// Who is one trader over time: the wallets of a cluster cast one vote (links count from when they were known).
    public var clusters = WalletClusters(links: [])

    /// Prepares a simulation over the period's trades (time order).
    public init(trades: [Trade], markets: [String: Market], rules: Rules, participationBps: Int) {
        self.rules = rules
        self.markets = markets
        let whales = trades.indices.filter { trades[$0].notional >= rules.whaleMinNotional }
        whaleIndices = whales
        whaleTrades = whales.map { trades[$0] }
        tape = TapeFills(trades: trades, participationBps: participationBps)
    }

    /// The copies a basket following `schedule` (in time order; no entry yet = no members) would have made.
    /// `ratioBps` overrides the consensus ratio (0: a member's trade is copied whoever opposes it).
    public func run(schedule: [Membership], minMembers: Int, ratioBps: Int? = nil) -> [CopyPosition] {
        var rule = rules.consensus
        rule.minMembers = minMembers
        if let ratioBps { rule.ratioBps = ratioBps }
        rule.minNetNotional = rules.whaleMinNotional
        var tape = self.tape
        var timeline = clusters
        var consensus = BasketConsensus(basketId: 0, members: [], rule: rule)
        var next = 0
        var window: [Trade] = []
        var windowStart = 0
        var fired: [(key: String, createdAt: Int64)] = []
        var out: [CopyPosition] = []
        for (t, index) in zip(whaleTrades, whaleIndices) {
            if next < schedule.count, schedule[next].time <= t.timestamp {
                while next + 1 < schedule.count, schedule[next + 1].time <= t.timestamp { next += 1 }
                let at = schedule[next].time
                consensus = BasketConsensus(basketId: 0, members: schedule[next].members, rule: rule)
                let (cutoff, below) = at.subtractingReportingOverflow(rule.windowSeconds)
                if below { fired.removeAll() }
                while windowStart < window.count, window[windowStart].timestamp < cutoff { windowStart += 1 }
                fired.removeAll { $0.createdAt < cutoff }
                consensus.seed(trades: Array(window[windowStart...]), fired: fired, now: at)
                next += 1
            }
            window.append(t)
            guard consensus.members.contains(t.wallet), let market = markets[t.conditionId] else { continue }
            let now = t.timestamp
            timeline.advance(to: now)
            consensus.clusters = timeline.view
            let snapshot = tape
            let tick = market.tick
            guard
                let signal = consensus.add(
                    t, now: now, fees: market.fees,
                    bestAsk: { token in
                        snapshot.lastPrice(token: token, throughIndex: index).map {
                            Micros(min($0.raw + tick.raw, Micros.one.raw - tick.raw))
                        }
                    })?.signal, let fees = market.fees
            else { continue }
            fired.append((signal.key, signal.createdAt))
            let limit = LimitPrice.buy(
                whalePrice: signal.whaleAveragePrice, slippage: rules.slippage, ask: signal.bestAsk, tick: market.tick,
                fees: fees)
            // The risk manager's slippage check: what a share costs (limit + fee) within the whales' price + the cap.
            guard let paying = fees.effectivePrice(limit), paying <= signal.whaleAveragePrice + rules.slippage else {
                continue
            }
            let decision = PositionSizing.size(
                SizingInput(
                    price: limit, outcomeProbability: nil, equity: Micros(Int64.max / 4),
                    whaleNotional: signal.whaleNotional, tick: market.tick, minimumShares: market.minimumShares,
                    fees: fees),
                mode: .fixed(rules.fixedOrder))
            guard case .size(let shares, let price, _) = decision else { continue }
            let fill = tape.fill(
                TapeFills.Order(
                    token: signal.asset, side: .buy, shares: shares, limit: price,
                    dueMs: (now + rules.copyDelaySeconds) * 1_000, detectedMs: now * 1_000,
                    lifetimeSeconds: rules.lifetimeSeconds, fees: fees))
            out.append(
                CopyPosition(
                    time: now, market: signal.conditionId, event: market.event, token: signal.asset,
                    wallets: signal.agreeing, whalePrice: signal.whaleAveragePrice.doubleValue,
                    limit: price.doubleValue, sharesOrdered: shares.doubleValue, shares: fill.filledShares.doubleValue,
                    cost: fill.notional.doubleValue, fee: fill.fee.doubleValue, shortfall: fill.shortfall,
                    won: market.winner.map { $0 == signal.asset }))
        }
        return out
    }
}
