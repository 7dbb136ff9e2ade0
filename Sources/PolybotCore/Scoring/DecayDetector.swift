import Foundation

/// Detects a wallet whose recent results fell well below its lifetime record.
public struct DecayDetector: Sendable, Hashable {
    /// The recent window, seconds (30 days).
    public var windowSeconds: Int64 = 30 * 86_400
    /// Minimum closed positions in the window before judging.
    public var minimumRecent = 8
    /// Minimum drop of the win rate (recent vs. the positions before the window).
    public var minimumDrop = 0.2
    /// One-sided z threshold of the two-proportion test (1.645 ≈ 5 %).
    public var zThreshold = 1.645

    /// Defaults.
    public init() {}

    /// The verdict for one wallet.
    public struct Verdict: Sendable, Hashable {
        public var decayed: Bool
        public var recentWinRate: Double?
        public var earlierWinRate: Double?
        public var z: Double?
        /// A sentence for the audit log and the dashboard.
        public var reason: String
    }

    /// Compares the window's win rate with the earlier one.
    public func evaluate(closed: [ClosedPosition], now: Int64) -> Verdict {
        let cutoff = now - windowSeconds
        let recent = closed.filter { $0.closedAt >= cutoff }
        let earlier = closed.filter { $0.closedAt < cutoff }
        guard recent.count >= minimumRecent, earlier.count >= minimumRecent else {
            return Verdict(
                decayed: false, recentWinRate: nil, earlierWinRate: nil, z: nil,
                reason: "not enough closed positions (\(recent.count) recent, \(earlier.count) earlier)")
        }
        let r = Double(recent.filter(\.isWin).count) / Double(recent.count)
        let e = Double(earlier.filter(\.isWin).count) / Double(earlier.count)
        let pooled =
            Double(recent.filter(\.isWin).count + earlier.filter(\.isWin).count) / Double(recent.count + earlier.count)
        let se = (pooled * (1 - pooled) * (1 / Double(recent.count) + 1 / Double(earlier.count))).squareRoot()
        let z = se > 0 ? (e - r) / se : 0
        let decayed = e - r >= minimumDrop && z >= zThreshold
        let reason =
            decayed
            ? "win rate fell from \(pct(e)) to \(pct(r)) over the last \(windowSeconds / 86_400) days (z = \(String(format: "%.2f", z)))"
            : "recent \(pct(r)) vs earlier \(pct(e)): no significant decay"
        return Verdict(decayed: decayed, recentWinRate: r, earlierWinRate: e, z: z, reason: reason)
    }

    private func pct(_ v: Double) -> String { "\(Int((v * 100).rounded())) %" }
}
