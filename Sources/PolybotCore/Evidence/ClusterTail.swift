import Foundation

/// The upper tail of a sum of independent clusters, each with a finite discrete distribution: P(Σ_c X_c ≥ observed).
///
/// Exact (convolution on a 10⁻⁶ grid) while the sum has at most ``exactLimit`` distinct values; beyond that the
/// Lugannani–Rice saddlepoint of the clusters' joint cumulant generating function, with a continuity correction of
/// half the smallest step any cluster can make (conservative for a non-lattice sum). When only the largest value of
/// every cluster reaches the observed sum, the tail is that product exactly.
public enum ClusterTail {
    /// One value a cluster can take and its probability.
    public struct Atom: Sendable, Hashable {
        public var value: Double
        public var probability: Double

        /// Creates an atom.
        public init(value: Double, probability: Double) {
            self.value = value
            self.probability = probability
        }
    }

    /// Distinct sums kept by the exact convolution before it hands over to the saddlepoint.
    public static let exactLimit = 65_536

    /// P(Σ X_c ≥ observed) for independent clusters (atoms with probability ≤ 0 are ignored; each cluster's
    /// probabilities should sum to 1).
    public static func pValue(_ clusters: [[Atom]], observed: Double, exactLimit: Int = exactLimit) -> Double {
        let live = clusters.map { $0.filter { $0.probability > 0 } }.filter { !$0.isEmpty }
        guard !live.isEmpty else { return observed <= 1e-9 ? 1 : 0 }
        // The exact convolution rounds each value to a micro-USDC: the observed configuration itself may land up to
        // half a micro below per cluster. One micro per cluster of slack keeps it in its own tail.
        let tolerance = 1e-6 * Double(live.count)
        let ceiling = live.reduce(0.0) { $0 + ($1.map(\.value).max() ?? 0) }
        if observed > ceiling + tolerance { return 0 }
        // The exact convolution while the joint support is small (its size bounds the work); else the saddlepoint.
        let support = live.reduce(1.0) { $0 * Double($1.count) }
        if support <= Double(exactLimit), let exact = exact(live, observed: observed - tolerance, limit: exactLimit) {
            return exact
        }
        if observed >= ceiling - tolerance {
            return live.reduce(1.0) { acc, c in
                let top = c.map(\.value).max() ?? 0
                return acc * c.filter { $0.value >= top - 1e-12 }.reduce(0) { $0 + $1.probability }
            }
        }
        return saddlepoint(live, observed: observed)
    }

    /// Exact convolution on a micro grid; nil when the sum's support grows beyond ``exactLimit``.
    public static func exact(_ clusters: [[Atom]], observed: Double, limit: Int = exactLimit) -> Double? {
        var dist: [Int64: Double] = [0: 1]
        for c in clusters {
            var next: [Int64: Double] = [:]
            next.reserveCapacity(dist.count * c.count)
            for (s, p) in dist {
                for a in c { next[s + Int64((a.value * 1e6).rounded()), default: 0] += p * a.probability }
            }
            guard next.count <= limit else { return nil }
            dist = next
        }
        let threshold = Int64((observed * 1e6).rounded(.up))
        return min(1, dist.reduce(0.0) { $0 + ($1.key >= threshold ? $1.value : 0) })
    }

    /// Lugannani–Rice for P(S ≥ observed), S = Σ X_c (what ``pValue(_:observed:)`` uses past ``exactLimit``).
    public static func saddlepoint(_ clusters: [[Atom]], observed: Double) -> Double {
        let means = clusters.map { c in c.reduce(0.0) { $0 + $1.value * $1.probability } }
        let variance = zip(clusters, means).reduce(0.0) { acc, cm in
            acc + cm.0.reduce(0.0) { $0 + $1.probability * ($1.value - cm.1) * ($1.value - cm.1) }
        }
        // Half the smallest step any cluster can make.
        var step = Double.infinity
        for c in clusters {
            let values = c.map(\.value).sorted()
            for (a, b) in zip(values, values.dropFirst()) where b - a > 1e-9 { step = min(step, b - a) }
        }
        var t = observed - means.reduce(0, +) - (step.isFinite ? step / 2 : 0)
        guard variance > 0 else { return t <= 0 ? 1 : 0 }
        guard t > 0 else { return Normal.upperTail(t / variance.squareRoot()) }
        // K(θ), K'(θ), K''(θ) of the centred sum, each cluster's exponentials shifted by their largest for stability.
        func cumulants(_ theta: Double) -> (k: Double, k1: Double, k2: Double) {
            var k = 0.0
            var k1 = 0.0
            var k2 = 0.0
            for (c, m) in zip(clusters, means) {
                let top = c.reduce(-Double.infinity) { max($0, theta * ($1.value - m)) }
                var z = 0.0
                var first = 0.0
                var second = 0.0
                for a in c {
                    let x = a.value - m
                    let w = a.probability * exp(theta * x - top)
                    z += w
                    first += w * x
                    second += w * x * x
                }
                let mean = first / z
                k += top + log(z)
                k1 += mean
                k2 += max(0, second / z - mean * mean)
            }
            return (k, k1, k2)
        }
        return Saddlepoint.upperTail(t, variance: variance, cumulants: cumulants)
    }
}
