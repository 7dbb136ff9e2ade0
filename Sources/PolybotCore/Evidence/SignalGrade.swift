import Foundation

/// A signal judged once its market resolved: won or lost, and what it made after fees — or, for a signal that was not
/// filled (skipped, denied, expired), what it would have made at the price it saw.
///
/// Nothing is invented: an unresolved market is `open`; a would-have figure needs a price the signal saw and a fee
/// schedule the market states (an uncomputable schedule leaves it unknown).
public struct SignalGrade: Sendable, Hashable {
    /// The result of the copied (or would-be copied) side.
    public enum Result: String, Sendable, Hashable, Codable {
        /// The market has not resolved (or resolved without a winner).
        case open
        case won
        case lost
    }

    /// What we filled: shares, their cost (price × shares, fees not included) and the taker fee paid.
    public struct Fill: Sendable, Hashable {
        public var shares: Micros
        public var cost: Micros
        public var fee: Micros

        /// Creates a fill.
        public init(shares: Micros, cost: Micros, fee: Micros) {
            self.shares = shares
            self.cost = cost
            self.fee = fee
        }
    }

    public var result: Result
    /// True when an entry filled (the figures are ours); false when they are what the signal would have made.
    public var filled: Bool
    /// Money put in, fee included (ours, or the stake of the would-be entry plus its fee).
    public var cost: Micros?
    /// Payout − cost − fee, once resolved.
    public var pnl: Micros?

    /// Creates a grade.
    public init(result: Result, filled: Bool, cost: Micros?, pnl: Micros?) {
        self.result = result
        self.filled = filled
        self.cost = cost
        self.pnl = pnl
    }

    /// Grades a signal.
    ///
    /// - Parameters:
    ///   - asset: the token the signal bought.
    ///   - resolution: its market's resolution as known now (nil or no winner: `open`).
    ///   - fill: our entry's fill (nil or zero shares: not filled).
    ///   - stake: the would-be entry's size in USDC (what the sizer spends per signal).
    ///   - price: the price the signal saw (best ask, else the whales' average); nil: no would-be figure.
    ///   - fees: the market's fee schedule; nil (uncomputable): no would-be figure.
    public static func grade(
        asset: String, resolution: MarketResolution?, fill: Fill?, stake: Micros, price: Micros?,
        fees: FeeSchedule?
    ) -> SignalGrade {
        let result: Result
        if let winner = resolution?.winningToken { result = winner == asset ? .won : .lost } else { result = .open }
        if let fill, fill.shares > .zero {
            let cost = fill.cost + fill.fee
            let payout = result == .won ? fill.shares : .zero
            return SignalGrade(result: result, filled: true, cost: cost, pnl: result == .open ? nil : payout - cost)
        }
        guard let price, price > .zero, price < .one, stake > .zero, let fees else {
            return SignalGrade(result: result, filled: false, cost: nil, pnl: nil)
        }
        let shares = Micros(Int64(Int128(stake.raw) * 1_000_000 / Int128(price.raw)))
        guard let fee = fees.takerFee(shares: shares, price: price) else {
            return SignalGrade(result: result, filled: false, cost: nil, pnl: nil)
        }
        let spent = shares.multiplied(by: price)
        let cost = spent + fee
        let payout = result == .won ? shares : .zero
        return SignalGrade(result: result, filled: false, cost: cost, pnl: result == .open ? nil : payout - cost)
    }
}

/// Hit rate and return of a basket's graded signals, overall and cumulatively over time.
public struct BasketRecord: Sendable, Hashable {
    /// One resolved, filled signal in time order, with the running totals after it.
    public struct Point: Sendable, Hashable {
        public var time: Int64
        public var hitRate: Double
        public var returnOnCost: Double
        public var pnl: Micros
    }

    public var graded: Int
    public var won: Int
    public var cost: Micros
    public var pnl: Micros
    /// Filled signals whose market resolved, in time order.
    public var series: [Point]
    /// Each graded signal's cost and PnL (the return interval's sample).
    public var outcomes: [(cost: Double, pnl: Double)] = []

    /// Below this many graded signals a rate is not shown as a result ("too few to judge"); the backtest's verdict uses
    /// the same floor of 10 independent markets.
    public static let minimumToJudge = 10

    public static func == (a: BasketRecord, b: BasketRecord) -> Bool {
        a.graded == b.graded && a.won == b.won && a.cost == b.cost && a.pnl == b.pnl && a.series == b.series
    }

    public func hash(into h: inout Hasher) {
        h.combine(graded)
        h.combine(won)
        h.combine(cost)
        h.combine(pnl)
    }

    /// The record of filled, resolved signals (`time`, grade); would-be figures are not counted.
    public static func of(_ signals: [(time: Int64, grade: SignalGrade)]) -> BasketRecord {
        var r = BasketRecord(graded: 0, won: 0, cost: .zero, pnl: .zero, series: [])
        for s in signals.sorted(by: { $0.time < $1.time }) {
            guard s.grade.filled, s.grade.result != .open, let cost = s.grade.cost, let pnl = s.grade.pnl else {
                continue
            }
            r.graded += 1
            r.won += s.grade.result == .won ? 1 : 0
            r.cost += cost
            r.pnl += pnl
            r.outcomes.append((cost.doubleValue, pnl.doubleValue))
            r.series.append(
                Point(
                    time: s.time, hitRate: Double(r.won) / Double(r.graded),
                    returnOnCost: r.cost > .zero ? Double(r.pnl.raw) / Double(r.cost.raw) : 0, pnl: r.pnl))
        }
        return r
    }

    /// Won / graded; nil before anything is graded.
    public var hitRate: Double? { graded > 0 ? Double(won) / Double(graded) : nil }
    /// PnL / cost after fees; nil before anything is graded.
    public var returnOnCost: Double? { cost > .zero ? Double(pnl.raw) / Double(cost.raw) : nil }

    /// True while fewer than ``minimumToJudge`` signals are graded: the rates are shown as "too few to judge".
    public var tooFewToJudge: Bool { graded < Self.minimumToJudge }

    /// The hit rate's Wilson 95 % interval; nil before anything is graded.
    public var hitRateInterval: (low: Double, high: Double)? {
        guard graded > 0 else { return nil }
        let (low, high) = WalletProfile.wilson(wins: won, n: graded)
        return (low, high)
    }

    /// The return on cost's 95 % interval: the ratio estimator's delta-method standard error over the graded signals
    /// with the Student t of (n − 1) degrees of freedom; nil below 2 graded signals.
    public var returnInterval: (low: Double, high: Double)? {
        RatioInterval.of(outcomes).map { ($0.low, $0.high) }
    }
}
