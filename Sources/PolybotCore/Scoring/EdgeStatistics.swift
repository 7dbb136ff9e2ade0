import Foundation

/// One wallet's bets in one market, reduced to what the edge test needs.
///
/// A bet is a BUY (sells are exits, not bets — decision 0010): a BUY of the market's reference token (slot 0) is long
/// slot 0, a BUY of the other token is short it. Bet `i` has a weight `wᵢ` (USDC paid: shares × price), a sign `sᵢ`
/// (+1 long, −1 short) and the implied probability `πᵢ` of slot 0 at the trade (the price, or 1 − the price for the
/// other token). Its excess once the market resolves (`Y` = 1 when slot 0 won) is `sᵢ (Y − πᵢ)` = outcome − price
/// paid.
public struct MarketBets: Sendable, Hashable {
    /// Σ wᵢ: USDC paid.
    public var weight = 0.0
    /// Σ wᵢ sᵢ: net exposure to slot 0.
    public var exposure = 0.0
    /// Σ wᵢ sᵢ πᵢ.
    public var priced = 0.0
    /// Σ wᵢ πᵢ.
    public var implied = 0.0
    /// USDC paid per price bucket of the token bought (``MarketBets/bucket(_:)``), in micro units so that sums are
    /// exact in any order: what the population's calibration curve is read at.
    public var byBucket = BucketWeights()

    /// Nothing yet.
    public init() {}

    /// Price buckets of the calibration curve (5 ¢ wide).
    public static let buckets = 20

    /// The calibration bucket of a token price.
    public static func bucket(_ price: Double) -> Int { min(buckets - 1, max(0, Int(price * Double(buckets)))) }

    /// Adds one bet (`paid`: the same weight in micro-USDC, and `price` the price of the token bought, for the
    /// calibration buckets).
    public mutating func add(
        weight w: Double, long: Bool, impliedProbability pi: Double, paid: Int64 = 0, price: Double? = nil
    ) {
        let s = long ? 1.0 : -1.0
        weight += w
        exposure += w * s
        priced += w * s * pi
        implied += w * pi
        byBucket.add(Self.bucket(price ?? (long ? pi : 1 - pi)), paid)
    }

    /// Σ wᵢ (outcomeᵢ − priceᵢ) once the market resolved (`slot0Won`).
    public func excess(slot0Won: Bool) -> Double { (slot0Won ? exposure : 0) - priced }

    /// The probability of slot 0 that the prices paid imply (their weighted mean): the null hypothesis is that the
    /// outcome is drawn with it. Bets on both sides at prices adding to less than 1 lock in a gain whatever the outcome;
    /// that part is expected under the null and is no evidence of skill.
    public var nullProbability: Double { weight > 0 ? min(1, max(0, implied / weight)) : 0.5 }
}

/// Micro-USDC per key (a price bucket, or a token slot × 32 + bucket), as a small sorted list: exact integer sums and
/// one iteration order, so a fold gives the same figures however its snapshots were spaced.
public struct BucketWeights: Sendable, Hashable {
    /// (key, micro-USDC), sorted by key.
    public private(set) var entries: [(key: Int, micros: Int64)] = []

    /// Nothing yet.
    public init() {}

    /// Adds `micros` under `key`.
    public mutating func add(_ key: Int, _ micros: Int64) {
        guard micros != 0 else { return }
        var lo = 0
        var hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].key < key { lo = mid + 1 } else { hi = mid }
        }
        if lo < entries.count, entries[lo].key == key {
            entries[lo].micros += micros
        } else {
            entries.insert((key, micros), at: lo)
        }
    }

    /// Adds every entry of `other`.
    public mutating func add(_ other: BucketWeights) { for e in other.entries { add(e.key, e.micros) } }

    public static func == (a: BucketWeights, b: BucketWeights) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0 == $1 }
    }

    public func hash(into h: inout Hasher) {
        for e in entries {
            h.combine(e.key)
            h.combine(e.micros)
        }
    }
}

/// A wallet's edge over the price it paid, with an honest standard error and p-value.
///
/// - **Edge** = Σ wᵢ (outcomeᵢ − priceᵢ) / Σ wᵢ over buys in markets whose resolution was known (cost-weighted).
/// - **Standard error** treats bets in one **event** as one draw (its markets share news; one market shares one
///   outcome): the larger of the cluster-robust (sandwich) variance across events, with the G/(G − 1) small-sample
///   factor, and the variance the bets would have if every price were right (Σ (exposure_g)² π_g (1 − π_g) / W²). The
///   second keeps a wallet that bought ten 95¢ favourites that all won from looking certain.
/// - **p-value** (one-sided, H₀: no edge): the tail of the null distribution of Σ_g exposure_g (Y_g − π_g) (π_g the
///   market's ``MarketBets/nullProbability``) with independent markets, by the Lugannani–Rice saddlepoint approximation with a half-step continuity correction
///   (accurate far into the tail, where BH works with 1,000 wallets, unlike the normal approximation for skewed
///   longshot bets: tested against exact binomial tails). It is a score test — the variance under "no edge" — so it
///   can differ from the normal tail of ``z``, which uses the larger, data-driven standard error. When an event holds
///   several markets the p-value is also at least the Student-t tail of ``z`` with (events − 1) degrees of freedom.
public struct EdgeEstimate: Sendable, Hashable, Codable {
    /// Cost-weighted mean of (outcome − price paid).
    public var edge: Double
    /// Its standard error (see the type's documentation).
    public var standardError: Double
    /// edge / standardError.
    public var z: Double
    /// One-sided p-value of "no edge".
    public var pValue: Double
    /// Markets with known resolutions that carried bets.
    public var markets: Int
    /// Independent events among them (markets of one event are one cluster).
    public var events: Int
    /// Effective number of markets, (Σ W_g)² / Σ W_g²: one dominant market makes it near 1.
    public var effectiveMarkets: Double
    /// USDC at risk in those markets.
    public var weight: Double

    /// The one-sided lower confidence bound edge − z_q × SE (z_q = 1.645 for 95 %).
    public func lowerBound(z q: Double = 1.645) -> Double { edge - q * standardError }

    /// Estimates the edge from resolved markets, each its own event: `(bets, slot 0 won)`; nil when no bet carries
    /// weight.
    public static func estimate(_ resolved: [(bets: MarketBets, slot0Won: Bool)]) -> EdgeEstimate? {
        estimate(resolved.enumerated().map { (bets: $0.element.bets, slot0Won: $0.element.slot0Won, event: $0.offset) })
    }

    /// Estimates the edge from resolved markets grouped by event (`event`: the same number for markets of one event);
    /// nil when no bet carries weight.
    ///
    /// Markets of one event share news (an election night, a neg-risk set): the standard error clusters by event
    /// (sandwich over G events with the G/(G − 1) factor, never below the no-edge variance). The p-value is the larger
    /// of the saddlepoint tail with independent markets (right for skewed prices, blind to correlation) and, when some
    /// event holds several markets, the Student-t tail of edge / SE with G − 1 degrees of freedom (which carries the
    /// events' correlation; one event: p = 1). With one market per event it is the saddlepoint tail alone, as before.
    public static func estimate(_ resolved: [(bets: MarketBets, slot0Won: Bool, event: Int)]) -> EdgeEstimate? {
        let total = resolved.reduce(0.0) { $0 + $1.bets.weight }
        guard total > 0 else { return nil }
        let observed = resolved.reduce(0.0) { $0 + $1.bets.excess(slot0Won: $1.slot0Won) }
        let edge = observed / total
        var residual: [Int: Double] = [:]
        var weights: [Int: Double] = [:]
        var null = 0.0
        for (b, won, event) in resolved {
            residual[event, default: 0] += b.excess(slot0Won: won) - edge * b.weight
            weights[event, default: 0] += b.weight
            let pi = b.nullProbability
            null += b.exposure * b.exposure * pi * (1 - pi)
        }
        let g = residual.count
        // Summed in event order: a dictionary's order would change the last bits from run to run.
        let events = residual.keys.sorted()
        var sandwich = events.reduce(0.0) { $0 + residual[$1]! * residual[$1]! }
        if g > 1 { sandwich *= Double(g) / Double(g - 1) }
        let squares = events.reduce(0.0) { $0 + weights[$1]! * weights[$1]! }
        let se = max(sandwich, null).squareRoot() / total
        let z = se > 0 ? edge / se : (edge > 0 ? .infinity : edge < 0 ? -.infinity : 0)
        var tail = NullTail.pValue(
            resolved.map { (exposure: $0.bets.exposure / total, probability: $0.bets.nullProbability) },
            observed: observed / total,
            offset: resolved.reduce(0.0) { $0 + $1.bets.exposure * $1.bets.nullProbability - $1.bets.priced } / total)
        if g < resolved.count {
            tail = max(tail, g >= 2 ? StudentT.upperTail(z, degreesOfFreedom: Double(g - 1)) : 1)
        }
        return EdgeEstimate(
            edge: edge, standardError: se, z: z, pValue: min(1, max(0, tail)), markets: resolved.count, events: g,
            effectiveMarkets: total * total / max(squares, .leastNonzeroMagnitude), weight: total)
    }
}

/// The Student t distribution.
public enum StudentT {
    /// P(T > t) with ν degrees of freedom: ½ I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0.
    public static func upperTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard t.isFinite else { return t > 0 ? 0 : 1 }
        let half = 0.5 * BetaDistribution.cdf(nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? half : 1 - half
    }
}

/// The standard normal distribution.
public enum Normal {
    /// P(Z > z).
    public static func upperTail(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }
    /// The density.
    public static func density(_ z: Double) -> Double { exp(-z * z / 2) / (2 * Double.pi).squareRoot() }
}

/// The upper tail of a sum of independent scaled Bernoulli deviations, Σ_g a_g (Y_g − π_g) + offset.
enum NullTail {
    /// P(Σ a_g (Y_g − π_g) + offset ≥ observed) by Lugannani–Rice with a half-step continuity correction.
    static func pValue(_ terms: [(exposure: Double, probability: Double)], observed: Double, offset: Double) -> Double {
        let live = terms.filter { abs($0.exposure) > 1e-15 && $0.probability > 0 && $0.probability < 1 }
        var t = observed - offset
        guard !live.isEmpty else { return t > 1e-12 ? 0 : 1 }
        let ceiling = live.reduce(0.0) {
            $0 + ($1.exposure > 0 ? $1.exposure * (1 - $1.probability) : -$1.exposure * $1.probability)
        }
        if t >= ceiling - 1e-12 {
            // Only the extreme outcome (every market the wallet's way) reaches it: exactly.
            return live.reduce(1.0) { $0 * ($1.exposure > 0 ? $1.probability : 1 - $1.probability) }
        }
        // The continuity correction: half the smallest step of the sum (conservative for non-lattice sums).
        let step = live.map { abs($0.exposure) }.min() ?? 0
        t -= step / 2
        let variance = live.reduce(0.0) { $0 + $1.exposure * $1.exposure * $1.probability * (1 - $1.probability) }
        guard t > 0 else { return Normal.upperTail(t / variance.squareRoot()) }
        // K(θ), K'(θ), K''(θ) of the centred sum.
        func cumulants(_ theta: Double) -> (k: Double, k1: Double, k2: Double) {
            var k = 0.0
            var k1 = 0.0
            var k2 = 0.0
            for (a, p) in live {
                let x = theta * a
                // log(1 − p + p eˣ) without overflow.
                let logMgf = x > 0 ? x + log(p + (1 - p) * exp(-x)) : log(1 - p + p * exp(x))
                k += logMgf - x * p
                let tilted = 1 / (1 + (1 - p) / p * exp(-x))
                k1 += a * (tilted - p)
                k2 += a * a * tilted * (1 - tilted)
            }
            return (k, k1, k2)
        }
        return Saddlepoint.upperTail(t, variance: variance, cumulants: cumulants)
    }
}

/// Benjamini–Hochberg control of the false discovery rate.
public enum FalseDiscovery {
    /// The BH q-value of each p-value (same order): q₍ᵢ₎ = min over j ≥ i of m p₍ⱼ₎ / j, at most 1. Declaring every
    /// hypothesis with q ≤ α a discovery keeps the expected share of false discoveries at or below α (for independent
    /// or positively dependent tests).
    public static func qValues(_ p: [Double]) -> [Double] {
        let m = p.count
        guard m > 0 else { return [] }
        let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] < p[$1] : $0 < $1 }
        var q = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let i = order[rank - 1]
            running = min(running, p[i] * Double(m) / Double(rank))
            q[i] = min(1, running)
        }
        return q
    }
}

extension BucketWeights: Archivable {
    public func archive(into w: inout ArchiveWriter) {
        w.put(UInt32(entries.count))
        for e in entries {
            w.write(e.key)
            w.write(e.micros)
        }
    }
    public init(unarchiving r: inout ArchiveReader) throws {
        self.init()
        for _ in 0..<(try r.count()) {
            let key: Int = try r.read()
            let micros: Int64 = try r.read()
            add(key, micros)
        }
    }
}

extension MarketBets: Archivable {
    public func archive(into w: inout ArchiveWriter) {
        w.write(weight)
        w.write(exposure)
        w.write(priced)
        w.write(implied)
        w.write(byBucket)
    }
    public init(unarchiving r: inout ArchiveReader) throws {
        self.init()
        weight = try r.read()
        exposure = try r.read()
        priced = try r.read()
        implied = try r.read()
        byBucket = try r.read()
    }
}
