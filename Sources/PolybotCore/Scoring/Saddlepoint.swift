import Foundation

/// The Lugannani–Rice saddlepoint approximation of an upper tail, for a centred sum given its cumulant generating
/// function: what the scorer's two-point tail (`NullTail`) and the verdict's cluster tail (``ClusterTail``) share.
enum Saddlepoint {
    /// P(S ≥ t) for a centred S (t > 0 after any continuity correction), from K(θ), K′(θ), K″(θ); `variance` is the
    /// normal fallback's where the approximation degenerates (θ or w near zero).
    static func upperTail(
        _ t: Double, variance: Double, cumulants: (Double) -> (k: Double, k1: Double, k2: Double)
    ) -> Double {
        // Solve K′(θ) = t: K′ increases with θ. Newton steps kept inside a bracket that doubles until it holds the
        // root; bisection when a step leaves it.
        var lo = 0.0
        var hi = 1.0
        var doublings = 0
        while cumulants(hi).k1 < t && doublings < 200 {
            lo = hi
            hi *= 2
            doublings += 1
        }
        var theta = (lo + hi) / 2
        for _ in 0..<200 {
            let (_, k1, k2) = cumulants(theta)
            if k1 < t { lo = theta } else { hi = theta }
            var next = k2 > 0 ? theta - (k1 - t) / k2 : (lo + hi) / 2
            if !(next > lo && next < hi) { next = (lo + hi) / 2 }
            if abs(next - theta) <= 1e-12 * max(1, abs(theta)) || hi - lo <= 1e-12 * max(1, hi) {
                theta = next
                break
            }
            theta = next
        }
        let (k, _, k2) = cumulants(theta)
        let w2 = 2 * (theta * t - k)
        guard w2 > 1e-12, k2 > 0 else { return Normal.upperTail(t / variance.squareRoot()) }
        let w = w2.squareRoot()
        let u = theta * k2.squareRoot()
        if w < 1e-4 || u < 1e-10 { return Normal.upperTail(t / variance.squareRoot()) }
        return min(1, max(0, Normal.upperTail(w) + Normal.density(w) * (1 / u - 1 / w)))
    }
}
