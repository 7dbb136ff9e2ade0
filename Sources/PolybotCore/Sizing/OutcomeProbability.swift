import Foundation

/// The outcome probability Kelly bets on (issue 28): the price we pay plus what the agreeing wallets have proven they
/// beat the price by — each member's one-sided 95 % lower bound of its edge over the price paid, edge − t × SE with the
/// Student t of its (G − 1) degrees of freedom (G = resolved markets, its independent draws), averaged over the members
/// that have such evidence. A win rate is not a probability of this outcome (a 95 % win rate on 95¢ favourites is no
/// edge), and a wallet without evidence contributes nothing: no member with evidence → no Kelly stake, never 0.5.
public enum OutcomeProbability {
    /// One member's evidence: its edge over the price it paid, the edge's standard error and its independent draws
    /// (resolved events).
    public struct Evidence: Sendable, Hashable {
        public var edge: Double
        public var standardError: Double
        public var markets: Int

        /// Creates evidence.
        public init(edge: Double, standardError: Double, markets: Int) {
            self.edge = edge
            self.standardError = standardError
            self.markets = markets
        }

        /// The one-sided lower bound at `confidence`; nil with fewer than 2 markets or a non-finite input.
        public func lowerBound(confidence: Double = 0.95) -> Double? {
            guard markets >= 2, edge.isFinite, standardError.isFinite, standardError >= 0 else { return nil }
            return edge - OutcomeProbability.studentT(confidence, degreesOfFreedom: Double(markets - 1)) * standardError
        }
    }

    /// q = price + the mean of the members' lower bounds, within [0, 1]; nil when no member has evidence.
    public static func estimate(price: Micros, members: [Evidence], confidence: Double = 0.95) -> Double? {
        let bounds = members.compactMap { $0.lowerBound(confidence: confidence) }
        guard !bounds.isEmpty else { return nil }
        let q = price.doubleValue + bounds.reduce(0, +) / Double(bounds.count)
        return min(1, max(0, q))
    }

    /// The one-sided Student-t quantile t_p with ν degrees of freedom (p > 0.5), from the Beta distribution:
    /// P(|T| > t) = I_{ν/(ν+t²)}(ν/2, 1/2) = 2(1 − p).
    public static func studentT(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        let x = BetaDistribution.quantile(2 * (1 - p), a: nu / 2, b: 0.5)
        guard x > 0 else { return .infinity }
        return (nu * (1 - x) / x).squareRoot()
    }
}

extension WalletScore {
    /// The one-sided 95 % lower bound of the edge over the price paid, edge − t × SE with the Student t of (G − 1)
    /// degrees of freedom (G = independent events resolved — the markets in snapshots stored before events were
    /// counted; issue 28: not z = 1.645 at 5 markets); nil with fewer than 2 or no edge. The one rule for the
    /// leaderboard, the backtest's basket ranking and Kelly's evidence.
    public var edgeLowerBound: Double? { edgeEvidence?.lowerBound() }

    /// The edge, its standard error and its independent draws (events), when the score has them.
    public var edgeEvidence: OutcomeProbability.Evidence? {
        guard let edge, let edgeStandardError else { return nil }
        return OutcomeProbability.Evidence(
            edge: edge, standardError: edgeStandardError, markets: resolvedEvents ?? resolvedMarkets)
    }
}
