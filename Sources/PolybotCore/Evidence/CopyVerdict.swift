import Foundation

/// The test of "edge after fees" on copied positions — the same standard the scorer holds a wallet to.
///
/// The statistic is the observed Σ shares × outcome − paid (fees, and any extra cost per share, included) over the
/// resolved positions. Its null: every market wins with the probability at which its positions break even after fees
/// (paid / shares; a two-sided market the probability that makes its expected PnL zero), so the test asks whether
/// copying beat the prices it paid **and** its fees. Markets of one event (its slug; a neg-risk set shares one) are
/// one cluster whose joint law is unknown: the p-value is the larger of the tail with the event's markets comonotone
/// (winning together as far as the marginals allow: the most dependent law) and with them independent; events are
/// independent. The tails are exact or the saddlepoint (``ClusterTail``). A market held on both sides at prices adding
/// to less than 1 locks in a gain that the null expects. Significant needs p ≤ α **and** at least
/// ``minimumEvents`` independent events.
public struct EventTest: Sendable, Hashable, Codable {
    /// Independent events with a resolved, filled position.
    public var events: Int
    public var markets: Int
    /// Σ pnl / Σ paid over those positions.
    public var returnOnCost: Double?
    /// The return's 95 % interval over events (delta method, Student t, events − 1 df); nil below 2 events.
    public var returnLow: Double?
    public var returnHigh: Double?
    /// Observed Σ pnl, USDC.
    public var pnl: Double
    public var pValue: Double
    public var significant: Bool

    /// Independent events needed before anything is called significant.
    public static let minimumEvents = 10
    /// One-sided level of every test of the verdict.
    public static let alpha = 0.05

    /// The test over `positions` (unresolved and unfilled ones are left out) with `extra` USDC per share added.
    public static func of(_ positions: [CopyPosition], extra: Double = 0) -> EventTest {
        let graded = positions.filter(\.graded)
        var byEvent: [String: [String: [CopyPosition]]] = [:]
        for p in graded { byEvent[p.event, default: [:]][p.market, default: []].append(p) }
        var clusters: [[ClusterTail.Atom]] = []
        var independent: [[ClusterTail.Atom]] = []
        var units: [(cost: Double, pnl: Double)] = []
        var observed = 0.0
        for (_, markets) in byEvent.sorted(by: { $0.key < $1.key }) {
            var legs: [(lo: Double, hi: Double, pHi: Double)] = []
            var eventCost = 0.0
            var eventPnl = 0.0
            for (_, ps) in markets.sorted(by: { $0.key < $1.key }) {
                legs.append(leg(ps, extra: extra))
                for p in ps {
                    eventCost += p.paid(extra: extra)
                    eventPnl += p.pnl(extra: extra)
                }
            }
            observed += eventPnl
            units.append((eventCost, eventPnl))
            clusters.append(comonotone(legs))
            for leg in legs {
                independent.append([
                    ClusterTail.Atom(value: leg.lo, probability: 1 - leg.pHi),
                    ClusterTail.Atom(value: leg.hi, probability: leg.pHi),
                ])
            }
        }
        // An event's markets comonotone (positively dependent), or independent: the larger tail. Neither law bounds
        // every dependence (mutually exclusive legs concentrate the sum near its mean, where the comonotone tail can be
        // small); taking both keeps the test conservative at both ends of what an event's markets can do.
        var p = 1.0
        if !clusters.isEmpty {
            p = ClusterTail.pValue(clusters, observed: observed)
            if independent.count > clusters.count {
                p = max(p, ClusterTail.pValue(independent, observed: observed))
            }
        }
        let cost = units.reduce(0) { $0 + $1.cost }
        let interval = RatioInterval.of(units)
        return EventTest(
            events: byEvent.count, markets: Set(graded.map(\.market)).count,
            returnOnCost: cost > 0 ? observed / cost : nil, returnLow: interval?.low, returnHigh: interval?.high,
            pnl: observed, pValue: p, significant: byEvent.count >= minimumEvents && p <= alpha)
    }

    /// One market's PnL as a two-point law: (worse, better, P(better)) under the break-even null.
    static func leg(_ ps: [CopyPosition], extra: Double) -> (lo: Double, hi: Double, pHi: Double) {
        var sharesByToken: [String: Double] = [:]
        var paid = 0.0
        for p in ps {
            sharesByToken[p.token, default: 0] += p.shares
            paid += p.paid(extra: extra)
        }
        let held = sharesByToken.sorted { $0.key < $1.key }.map(\.value)
        // A: the token with more shares wins; B: the other (or none held) wins.
        let a = held.max() ?? 0
        let b = held.count > 1 ? held.min() ?? 0 : 0
        let hi = a - paid
        let lo = b - paid
        // Both outcomes gain (a locked gain: prices adding to less than 1) or both lose: no break-even probability;
        // the null takes the better outcome for certain, so neither is evidence of skill.
        guard a - b > 1e-12, lo < 0, hi > 0 else { return (lo, hi, 1) }
        // Break-even: π a + (1 − π) b = paid.
        return (lo, hi, min(1, max(0, (paid - b) / (a - b))))
    }

    /// The comonotone joint law of an event's markets: with U uniform, market m is in its better state when
    /// U < P(better)_m. Sorted by that probability, the event's value is "the k likeliest better, the rest worse".
    static func comonotone(_ legs: [(lo: Double, hi: Double, pHi: Double)]) -> [ClusterTail.Atom] {
        let sorted = legs.sorted { $0.pHi > $1.pHi }
        var atoms: [ClusterTail.Atom] = []
        var value = sorted.reduce(0) { $0 + $1.lo }
        var upper = 1.0
        // k = 0 … n better: probability P_(k) − P_(k+1) with P_(0) = 1 and P_(n+1) = 0.
        for k in 0...sorted.count {
            let next = k < sorted.count ? sorted[k].pHi : 0
            if upper - next > 0 { atoms.append(ClusterTail.Atom(value: value, probability: upper - next)) }
            if k < sorted.count {
                value += sorted[k].hi - sorted[k].lo
                upper = next
            }
        }
        return atoms
    }
}

/// Did the basket beat copying every whale trade **on the same markets**? Per event the basket copied, the
/// difference of edge per share after fees (Σ shares × (outcome − price) − fees, over Σ shares): the basket's
/// positions against the every-whale run's positions in the same markets (no such position: 0). Per share rather than
/// per dollar: a contested market then differs by 1 − p or −p (bounded, variance p(1 − p)) instead of a longshot's
/// (1 − p)/p, so a few longshots do not drown the comparison. The statistic is the mean difference; its null (no
/// difference) by sign flips — exact up to 16 events, else 20,000 seeded draws.
public struct PairedTest: Sendable, Hashable, Codable {
    public var events: Int
    /// Mean difference of edge per share after fees (price units).
    public var meanDifference: Double
    public var pValue: Double
    public var significant: Bool

    /// The test of `main` against `baseline` with `extra` USDC per share added to both.
    public static func of(
        main: [CopyPosition], baseline: [CopyPosition], extra: Double = 0, seed: UInt64 = 2026
    ) -> PairedTest {
        let graded = main.filter(\.graded)
        var eventMarkets: [String: Set<String>] = [:]
        for p in graded { eventMarkets[p.event, default: []].insert(p.market) }
        func rate(_ ps: [CopyPosition]) -> Double {
            let shares = ps.reduce(0) { $0 + $1.shares }
            return shares > 0 ? ps.reduce(0) { $0 + $1.pnl(extra: extra) } / shares : 0
        }
        let base = baseline.filter(\.graded)
        var diffs: [Double] = []
        for (event, markets) in eventMarkets.sorted(by: { $0.key < $1.key }) {
            let mine = graded.filter { $0.event == event }
            let theirs = base.filter { $0.event == event && markets.contains($0.market) }
            diffs.append(rate(mine) - rate(theirs))
        }
        guard !diffs.isEmpty else { return PairedTest(events: 0, meanDifference: 0, pValue: 1, significant: false) }
        let observed = diffs.reduce(0, +)
        var atLeast = 0
        var total = 0
        if diffs.count <= 16 {
            for mask in 0..<(1 << diffs.count) {
                var s = 0.0
                for (i, d) in diffs.enumerated() { s += (mask >> i) & 1 == 1 ? -d : d }
                total += 1
                if s >= observed - 1e-12 { atLeast += 1 }
            }
        } else {
            var rng = SplitMix64(seed: seed)
            total = 1
            atLeast = 1
            for _ in 0..<20_000 {
                var s = 0.0
                for d in diffs { s += rng.next() & 1 == 1 ? -d : d }
                total += 1
                if s >= observed - 1e-12 { atLeast += 1 }
            }
        }
        let p = Double(atLeast) / Double(total)
        return PairedTest(
            events: diffs.count, meanDifference: observed / Double(diffs.count), pValue: p,
            significant: diffs.count >= EventTest.minimumEvents && p <= EventTest.alpha)
    }
}

/// Where the basket's evidence ranks among random baskets drawn with its own membership schedule. The statistic is
/// each basket's event-test p-value (``EventTest``), not its return: a random basket with three filled copies can
/// return +100 % by luck, while its p-value says how little three copies show. Returns are reported beside it.
public struct RankTest: Sendable, Hashable, Codable {
    public var baskets: Int
    public var mainReturn: Double
    public var median: Double?
    /// The random baskets' 95th percentile return.
    public var p95: Double?
    /// The walk-forward's event-test p-value, and the random baskets' 5th percentile of theirs.
    public var mainEventP: Double
    public var randomEventP5: Double?
    /// (1 + random baskets whose event-test p-value is at or below the walk-forward's) / (1 + baskets).
    public var pValue: Double
    /// The share of random baskets whose own event test says "significant" (the event test's error rate on this
    /// history's favourite–longshot pattern; baskets drawn from one history share its luck).
    public var ownTestPassShare: Double
    public var significant: Bool

    /// Random baskets needed before the rank means anything.
    public static let minimumBaskets = 200

    /// The rank of the walk-forward (its return on cost and event-test p-value) among random baskets' (a basket that
    /// copied nothing returned 0 with p = 1).
    public static func of(
        main: (returnOnCost: Double, eventP: Double), randoms: [(returnOnCost: Double, eventP: Double)],
        randomsPassing: Int
    ) -> RankTest {
        func quantile(_ sorted: [Double], _ q: Double) -> Double? {
            sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.down)))]
        }
        let returns = randoms.map(\.returnOnCost).sorted()
        let ps = randoms.map(\.eventP).sorted()
        let atLeastAsStrong = randoms.filter { $0.eventP <= main.eventP * (1 + 1e-9) }.count
        let p = Double(1 + atLeastAsStrong) / Double(1 + randoms.count)
        return RankTest(
            baskets: randoms.count, mainReturn: main.returnOnCost, median: quantile(returns, 0.5),
            p95: quantile(returns, 0.95), mainEventP: main.eventP, randomEventP5: quantile(ps, 0.05), pValue: p,
            ownTestPassShare: randoms.isEmpty ? 0 : Double(randomsPassing) / Double(randoms.count),
            significant: randoms.count >= minimumBaskets && p <= EventTest.alpha)
    }
}

/// The backtest's verdict: "edge" only when all three tests say so — the event test after fees, beating every whale
/// trade on the same markets, and ranking in the top 5 % of random baskets.
public struct CopyVerdict: Sendable, Hashable, Codable {
    public var eventTest: EventTest
    public var paired: PairedTest
    public var rank: RankTest
    public var edgeSignificant: Bool
    public var sentence: String

    /// Combines the three tests.
    public init(eventTest: EventTest, paired: PairedTest, rank: RankTest) {
        self.eventTest = eventTest
        self.paired = paired
        self.rank = rank
        edgeSignificant = eventTest.significant && paired.significant && rank.significant
        let r = eventTest.returnOnCost.map { String(format: "%+.2f %%", $0 * 100) } ?? "no resolved copy"
        let interval =
            eventTest.returnLow.map { low in
                String(format: " (95 %% CI %+.2f … %+.2f %%)", low * 100, (eventTest.returnHigh ?? low) * 100)
            } ?? ""
        if edgeSignificant {
            sentence = String(
                format:
                    "edge after fees: %@%@ over %d events; p = %.4f (events), beats every whale trade on the same markets (p = %.4f), stronger than 95 %% of %d random baskets (p = %.4f)",
                r, interval, eventTest.events, eventTest.pValue, paired.pValue, rank.baskets, rank.pValue)
        } else {
            var why: [String] = []
            if eventTest.events < EventTest.minimumEvents {
                why.append("only \(eventTest.events) independent event(s) (\(EventTest.minimumEvents) needed)")
            } else if !eventTest.significant {
                why.append(String(format: "after fees p = %.3f over %d events", eventTest.pValue, eventTest.events))
            }
            if eventTest.events >= EventTest.minimumEvents && !paired.significant {
                why.append(
                    String(format: "not better than every whale trade on the same markets (p = %.3f)", paired.pValue))
            }
            if rank.baskets < RankTest.minimumBaskets {
                why.append("\(rank.baskets) random baskets (\(RankTest.minimumBaskets) needed)")
            } else if !rank.significant {
                why.append(
                    String(format: "not in the top 5 %% of %d random baskets (p = %.3f)", rank.baskets, rank.pValue))
            }
            sentence = "no evidence of edge: \(r)\(interval) of cost after fees; " + why.joined(separator: "; ")
        }
    }
}
