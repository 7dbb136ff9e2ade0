import Foundation

/// Point-in-time wallet scoring as one incremental fold over the trade stream.
///
/// Trades go in once, in time order (``add(_:)``); each updates its wallet's position ledger, classifier features,
/// per-market bets and markout queue. ``snapshot(asOf:)`` then scores every wallet as of a time `T` from what the fold
/// holds — trades before `T` (the caller stops adding at `T`) and only the resolutions known before `T` (a market's
/// resolution time is data: a resolution without a time counts only when ``undatedResolutionsKnown``) — and applies
/// Benjamini–Hochberg across every wallet tested in that snapshot. Snapshots at many times therefore cost one pass over
/// the trades plus the wallets' open positions and markets at each snapshot, not one recompute per snapshot.
public struct ScoreFold: Sendable {
    /// Markout horizons, seconds (1 h and 24 h).
    public static let markoutHorizons: (short: Int64, long: Int64) = (3_600, 86_400)

    struct Markouts: Sendable {
        var weight = 0.0
        var sum = 0.0
        var count = 0
        var mean: Double? { weight > 0 ? sum / weight : nil }
    }

    struct WalletState: Sendable {
        var wallet: Address
        var ledger = PositionLedger()
        var features = FeatureAccumulator()
        var bets: [Int32: MarketBets] = [:]
        /// Micro-USDC paid for slot 0 and slot 1 per market (buys): what won, once the market resolves.
        var paidBySlot: [Int32: (Int64, Int64)] = [:]
        var markets = Set<Int32>()
        var volume = Micros.zero
        var short = Markouts()
        var long = Markouts()
        /// Bumped by every change that can move the score (a trade, a markout, a resolution of one of its markets).
        var version = 0
        /// Consecutive snapshots of this fold at which the wallet passed the edge test (repeated-look control).
        var passes = 0
        var cached: (version: Int, result: WalletScoring.Result, estimate: EdgeEstimate?, calibration: Calibration)?
    }

    /// A wallet's resolved buys as the calibration edge needs them, in micro-USDC (exact in any order): paid for the
    /// tokens that won, paid in all, paid per price bucket.
    struct Calibration: Sendable {
        var won: Int64 = 0
        var paid: Int64 = 0
        var byBucket = BucketWeights()
    }

    struct PendingMarkout: Sendable {
        var due: Int64
        var wallet: Int32
        var market: Int32
        var long: Bool
        var impliedProbability: Double
        var weight: Double
    }

    /// A FIFO of markouts due in time order (trades arrive in time order, so their due times do too).
    struct MarkoutQueue: Sendable {
        var items: [PendingMarkout] = []
        var head = 0
        mutating func push(_ m: PendingMarkout) { items.append(m) }
        mutating func popDue(before t: Int64) -> PendingMarkout? {
            guard head < items.count, items[head].due < t else {
                if head > 4_096 && head * 2 > items.count {
                    items.removeFirst(head)
                    head = 0
                }
                return nil
            }
            head += 1
            return items[head - 1]
        }
    }

    public let parameters: ScoringParameters
    /// Whether a resolution without a time counts as known (batch scoring "as of now" of a resolutions file without
    /// dates); point-in-time runs leave it false, so an undated resolution never leaks into the past.
    public let undatedResolutionsKnown: Bool
    var resolutions: [String: MarketResolution]
    var walletIndex: [Address: Int32] = [:]
    var states: [WalletState] = []
    var marketIndex: [String: Int32] = [:]
    var marketIds: [String] = []
    var marketTokens: [[String]] = []
    /// Each market's event (its slug; the market itself without one): markets of one event share news.
    var marketEvent: [Int32] = []
    var eventIndex: [String: Int32] = [:]
    var lastSlot0: [Double] = []
    /// Wallets that traded each market (to mark them changed when it resolves).
    var marketWallets: [[Int32]] = []
    /// Per market, once known: the winning token's number (0 or 1; −2 for a token never traded) and when.
    var winnerSlot: [Int8] = []
    var resolvedAtOf: [Int64?] = []
    /// Per market, the newest trade time added (a resolution learnt later than it happened must not predate one).
    var lastTradeAt: [Int64] = []
    /// Per market, the resolution time the trades of a continued fold were judged against (empty: a fresh fold).
    var foldedResolvedAt: [Int64?] = []
    /// Per market, Σ w of every wallet's buys by (token slot × 32 + price bucket): folded into the population's
    /// calibration curve when the market's resolution becomes known.
    var marketBuckets: [BucketWeights] = []
    /// The population's calibration curve: micro-USDC paid and paid for winners per price bucket, over markets known
    /// resolved (integers: the same curve however the snapshots were spaced).
    var curvePaid = [Int64](repeating: 0, count: MarketBets.buckets)
    var curveWon = [Int64](repeating: 0, count: MarketBets.buckets)
    /// The Beta lower bound by (wins, losses): the quantile costs thousands of operations, the pairs repeat.
    var lowerBounds: [Int64: Double] = [:]
    var shortQueue = MarkoutQueue()
    var longQueue = MarkoutQueue()
    /// The time of the newest snapshot (nil before the first).
    public internal(set) var lastSnapshotAt: Int64?
    /// The newest trade time added.
    public internal(set) var lastTime = Int64.min
    /// Trades older than one added before them (applied, but point-in-time order was broken by the caller).
    public internal(set) var outOfOrderTrades = 0
    /// Trades in a market with more than two tokens (no edge or markout: the bet's complement is not one token).
    public internal(set) var unsupportedTrades = 0

    /// Creates an empty fold.
    ///
    /// - Parameters:
    ///   - resolutions: every market's resolution with its time; read only for times before a snapshot.
    public init(
        resolutions: [String: MarketResolution], parameters: ScoringParameters = ScoringParameters(),
        undatedResolutionsKnown: Bool = false
    ) {
        self.resolutions = resolutions
        self.parameters = parameters
        self.undatedResolutionsKnown = undatedResolutionsKnown
    }

    /// Wallets seen so far.
    public var walletCount: Int { states.count }

    /// True when `r` is known before `t`.
    public func isKnown(_ r: MarketResolution, before t: Int64) -> Bool {
        guard r.winningToken != nil else { return false }
        guard let at = r.resolvedAt else { return undatedResolutionsKnown }
        return at < t
    }

    /// Adds one trade (in time order).
    public mutating func add(_ t: Trade) {
        if t.timestamp < lastTime { outOfOrderTrades += 1 } else { lastTime = t.timestamp }
        settleMarkouts(before: t.timestamp)
        let w: Int32
        if let i = walletIndex[t.wallet] {
            w = i
        } else {
            w = Int32(states.count)
            walletIndex[t.wallet] = w
            states.append(WalletState(wallet: t.wallet))
        }
        let m: Int32
        if let i = marketIndex[t.conditionId] {
            m = i
        } else {
            m = Int32(marketIds.count)
            marketIndex[t.conditionId] = m
            marketIds.append(t.conditionId)
            marketTokens.append([])
            let eventKey = t.eventSlug.isEmpty ? t.conditionId : t.eventSlug
            if let e = eventIndex[eventKey] {
                marketEvent.append(e)
            } else {
                let e = Int32(eventIndex.count)
                eventIndex[eventKey] = e
                marketEvent.append(e)
            }
            lastSlot0.append(.nan)
            marketBuckets.append(BucketWeights())
            marketWallets.append([])
            winnerSlot.append(-1)
            resolvedAtOf.append(nil)
            lastTradeAt.append(t.timestamp)
        }
        lastTradeAt[Int(m)] = max(lastTradeAt[Int(m)], t.timestamp)
        let slot: Int
        if let s = marketTokens[Int(m)].firstIndex(of: t.asset) {
            slot = s
        } else {
            slot = marketTokens[Int(m)].count
            marketTokens[Int(m)].append(t.asset)
            // A resolution applied before its winning token was ever traded (−2) learns the token's number now, as a
            // fold that applied it later would have: nothing was bought of it before.
            if winnerSlot[Int(m)] == -2, resolutions[t.conditionId]?.winningToken == t.asset {
                winnerSlot[Int(m)] = Int8(min(slot, 1))
            }
        }
        let wi = Int(w)
        states[wi].ledger.apply(t, assetKey: Int(m) << 8 | min(slot, 255))
        states[wi].features.add(t, market: Int(m), slot: slot)
        states[wi].volume += t.notional
        states[wi].version += 1
        if states[wi].markets.insert(m).inserted { marketWallets[Int(m)].append(w) }
        guard slot < 2, marketTokens[Int(m)].count <= 2 else {
            unsupportedTrades += 1
            return
        }
        let price = t.price.doubleValue
        // The trade's implied probability of slot 0, and whether it bets on slot 0 (a buy of slot 0 or a sell of the
        // other token) or against it.
        let pi = slot == 0 ? price : 1 - price
        let isLong = (slot == 0) == (t.side == .buy)
        let weight = t.size.doubleValue * (t.side == .buy ? price : 1 - price)
        lastSlot0[Int(m)] = pi
        // Trades once the outcome was public are not bets, nor worth a markout.
        if let r = resolutions[t.conditionId], let at = r.resolvedAt, t.timestamp >= at { return }
        guard weight > 0 else { return }
        // Only buys are bets (sells are exits: their effect is in realised PnL and in the markouts).
        if t.side == .buy {
            let paid = t.notional.raw
            states[wi].bets[m, default: MarketBets()].add(
                weight: weight, long: isLong, impliedProbability: pi, paid: paid, price: price)
            states[wi].paidBySlot[m, default: (0, 0)].0 += slot == 0 ? paid : 0
            states[wi].paidBySlot[m, default: (0, 0)].1 += slot == 1 ? paid : 0
            marketBuckets[Int(m)].add(slot * 32 + MarketBets.bucket(price), paid)
            // A buy in a market already known resolved (undated resolutions are known from the first snapshot) goes
            // into the curve too: the curve is every buy in the known-resolved markets, however snapshots were spaced.
            if winnerSlot[Int(m)] != -1 {
                curvePaid[MarketBets.bucket(price)] += paid
                if Int(winnerSlot[Int(m)]) == slot { curveWon[MarketBets.bucket(price)] += paid }
            }
        }
        let pending = PendingMarkout(
            due: t.timestamp + Self.markoutHorizons.short, wallet: w, market: m, long: isLong, impliedProbability: pi,
            weight: weight)
        shortQueue.push(pending)
        var later = pending
        later.due = t.timestamp + Self.markoutHorizons.long
        longQueue.push(later)
    }

    /// Settles the markouts due before `t` (every trade before `t` has been added).
    public mutating func advance(to t: Int64) { settleMarkouts(before: t) }

    private mutating func settleMarkouts(before t: Int64) {
        while let p = shortQueue.popDue(before: t) { record(p, long: false) }
        while let p = longQueue.popDue(before: t) { record(p, long: true) }
    }

    private mutating func record(_ p: PendingMarkout, long horizon: Bool) {
        let now = lastSlot0[Int(p.market)]
        guard !now.isNaN else { return }
        let move = (p.long ? 1.0 : -1.0) * (now - p.impliedProbability)
        states[Int(p.wallet)].version += 1
        if horizon {
            states[Int(p.wallet)].long.weight += p.weight
            states[Int(p.wallet)].long.sum += p.weight * move
            states[Int(p.wallet)].long.count += 1
        } else {
            states[Int(p.wallet)].short.weight += p.weight
            states[Int(p.wallet)].short.sum += p.weight * move
            states[Int(p.wallet)].short.count += 1
        }
    }

    /// Scores every wallet as of `t` (call after adding every trade before `t` and none at or after it).
    ///
    /// A wallet with no trade, markout or resolution since its last snapshot keeps its score (only its time, q-value
    /// and class are renewed): the decayed win rate is referenced to the newest closed position, so it does not move
    /// with `t` alone.
    ///
    /// - Parameter wallets: only these (all when nil); BH still runs over the wallets scored.
    public mutating func snapshot(asOf t: Int64, wallets: Set<Address>? = nil) -> [WalletScoring.Result] {
        advance(to: t)
        lastSnapshotAt = t
        // Markets whose resolution became known: their wallets' scores change.
        for m in winnerSlot.indices where winnerSlot[m] == -1 {
            guard let r = resolutions[marketIds[m]], isKnown(r, before: t), let winner = r.winningToken else {
                continue
            }
            winnerSlot[m] = Int8(marketTokens[m].firstIndex(of: winner).map { min($0, 1) } ?? -2)
            resolvedAtOf[m] = r.resolvedAt
            for e in marketBuckets[m].entries {
                curvePaid[e.key % 32] += e.micros
                if e.key / 32 == Int(winnerSlot[m]) { curveWon[e.key % 32] += e.micros }
            }
            for w in marketWallets[m] { states[Int(w)].version += 1 }
        }
        var results: [WalletScoring.Result] = []
        var estimates: [EdgeEstimate?] = []
        for i in states.indices {
            if let wallets, !wallets.contains(states[i].wallet) { continue }
            var r: WalletScoring.Result
            let e: EdgeEstimate?
            let calibration: Calibration
            if let c = states[i].cached, c.version == states[i].version {
                (r, e, calibration) = (c.result, c.estimate, c.calibration)
            } else {
                (r, e, calibration) = score(i)
                states[i].cached = (states[i].version, r, e, calibration)
            }
            // The curve moves with every resolution: the calibration edge is read at each snapshot (20 buckets).
            r.score.edgeOverCalibration = edgeOverCalibration(calibration)
            r.score.computedAt = t
            r.score.qValue = nil
            results.append(r)
            estimates.append(e)
        }
        // Benjamini–Hochberg over the wallets with enough resolved markets to be tested.
        let tested = results.indices.filter {
            estimates[$0] != nil && results[$0].score.resolvedMarkets >= parameters.informedMinResolvedMarkets
        }
        let q = FalseDiscovery.qValues(tested.map { results[$0].score.pValue ?? 1 })
        for (k, i) in tested.enumerated() { results[i].score.qValue = q[k] }
        for i in results.indices {
            var (c, basis) = WalletScoring.classify(
                features: results[i].features, score: results[i].score, parameters: parameters)
            // Repeated looks: the test must hold at `informedLooks` consecutive snapshots of this fold.
            if let w = walletIndex[results[i].score.wallet] {
                let passes = c == .informed ? states[Int(w)].passes + 1 : 0
                states[Int(w)].passes = passes
                if c == .informed && passes < parameters.informedLooks {
                    c = .unclassified
                    basis.rule =
                        "\(WalletScoring.candidateRule): passed at \(passes) of \(parameters.informedLooks) consecutive looks"
                    basis.features["looks"] = Double(passes)
                }
            }
            results[i].score.walletClass = c
            results[i].score.classBasis = basis
        }
        return results.sorted { $0.score.wallet < $1.score.wallet }
    }

    private mutating func lowerBound(wins: Int, losses: Int) -> Double {
        let key = Int64(wins) << 32 | Int64(losses)
        if let v = lowerBounds[key] { return v }
        let v = BetaDistribution.quantile(
            parameters.lowerBoundQuantile, a: Double(wins) + parameters.priorAlpha,
            b: Double(losses) + parameters.priorBeta)
        lowerBounds[key] = v
        return v
    }

    /// (paid for winners − Σ_b paid_b × base rate_b) / paid; a bucket the population has not resolved yet reads its
    /// midpoint.
    private func edgeOverCalibration(_ c: Calibration) -> Double? {
        guard c.paid > 0 else { return nil }
        var expected = 0.0
        for e in c.byBucket.entries {
            let rate =
                curvePaid[e.key] > 0
                ? Double(curveWon[e.key]) / Double(curvePaid[e.key])
                : (Double(e.key) + 0.5) / Double(MarketBets.buckets)
            expected += Double(e.micros) * rate
        }
        return (Double(c.won) - expected) / Double(c.paid)
    }

    private mutating func score(_ i: Int) -> (WalletScoring.Result, EdgeEstimate?, Calibration) {
        let p = parameters
        let s = states[i]
        let (settled, open) = s.ledger.settled { key, _ in
            let m = key >> 8
            let slot = key & 255
            guard winnerSlot[m] != -1 else { return nil }
            return (Int(winnerSlot[m]) == slot, resolvedAtOf[m])
        }
        let closed = s.ledger.closed + settled
        let features = s.features.features(closed: closed)
        var keyed: [(market: Int32, bets: MarketBets, slot0Won: Bool, event: Int)] = []
        var calibration = Calibration()
        for (m, bets) in s.bets where winnerSlot[Int(m)] != -1 {
            keyed.append((m, bets, winnerSlot[Int(m)] == 0, Int(marketEvent[Int(m)])))
            let paid = s.paidBySlot[m] ?? (0, 0)
            calibration.won += winnerSlot[Int(m)] == 0 ? paid.0 : winnerSlot[Int(m)] == 1 ? paid.1 : 0
            calibration.paid += paid.0 + paid.1
            calibration.byBucket.add(bets.byBucket)
        }
        // One order on every run (a dictionary's is not), so the floating-point sums are the same; ties by market.
        keyed.sort {
            ($0.bets.weight, $0.bets.priced, $0.market) < ($1.bets.weight, $1.bets.priced, $1.market)
        }
        let resolved = keyed.map { (bets: $0.bets, slot0Won: $0.slot0Won, event: $0.event) }
        let estimate = EdgeEstimate.estimate(resolved)

        let n = closed.count
        let wins = closed.filter(\.isWin).count
        let a = Double(wins) + p.priorAlpha
        let b = Double(n - wins) + p.priorBeta
        let stats = ClosedPositionStats(closed, parameters: p)
        let score = WalletScore(
            wallet: s.wallet, computedAt: 0, closedPositions: n, openPositions: open,
            winRate: n > 0 ? Double(wins) / Double(n) : nil, decayedWinRate: stats.decayedWinRate,
            shrunkWinRate: a / (a + b),
            winRateLowerBound: lowerBound(wins: wins, losses: n - wins), sharpe: stats.sharpe,
            kelly: stats.kelly, ev: stats.ev, edge: estimate?.edge, realizedPnl: Micros.sum(closed.map(\.realized)),
            volume: s.volume, markets: features.markets, trades: features.trades, walletClass: .unclassified,
            features: features.dictionary, edgeStandardError: estimate?.standardError, edgeZ: estimate?.z,
            pValue: estimate?.pValue, qValue: nil, resolvedMarkets: estimate?.markets ?? 0,
            markout1h: s.short.mean, markout24h: s.long.mean, markoutTrades: s.short.count,
            resolvedEvents: estimate?.events ?? 0)
        return (
            WalletScoring.Result(score: score, features: features, oversoldTrades: s.ledger.oversoldTrades), estimate,
            calibration
        )
    }
}
