/// One copy a backtest made (or tried to make): what the signal asked for, what the tape filled, how it resolved.
/// Money in USDC as `Double`: these are the verdict's statistics, not the books.
public struct CopyPosition: Sendable, Hashable, Codable {
    /// Signal time (Unix seconds).
    public var time: Int64
    public var market: String
    /// The independent unit: the event slug, or the market when it has none (markets of one event share news).
    public var event: String
    public var token: String
    /// The agreeing wallets.
    public var wallets: [Address]
    public var whalePrice: Double
    public var limit: Double
    public var sharesOrdered: Double
    public var shares: Double
    /// Paid before fees.
    public var cost: Double
    public var fee: Double
    /// Why the order is not wholly filled (nil: filled).
    public var shortfall: TapeShortfall?
    /// True when the token won, false when it lost, nil when the market is not resolved.
    public var won: Bool?

    /// Creates a position.
    public init(
        time: Int64, market: String, event: String, token: String, wallets: [Address], whalePrice: Double,
        limit: Double, sharesOrdered: Double, shares: Double, cost: Double, fee: Double, shortfall: TapeShortfall?,
        won: Bool?
    ) {
        self.time = time
        self.market = market
        self.event = event
        self.token = token
        self.wallets = wallets
        self.whalePrice = whalePrice
        self.limit = limit
        self.sharesOrdered = sharesOrdered
        self.shares = shares
        self.cost = cost
        self.fee = fee
        self.shortfall = shortfall
        self.won = won
    }

    /// True when something filled and the market resolved.
    public var graded: Bool { shares > 0 && won != nil }

    /// What was paid with `extra` USDC per share added (the sensitivity table's worse fills), fee included.
    public func paid(extra: Double = 0) -> Double { cost + fee + extra * shares }

    /// PnL at resolution after fees (0 while unresolved).
    public func pnl(extra: Double = 0) -> Double { ((won ?? false) ? shares : 0) - paid(extra: extra) }

    /// Our average price; nil when nothing filled.
    public var averagePrice: Double? { shares > 0 ? cost / shares : nil }
    /// Our average − the whales' price, per share; nil when nothing filled.
    public var delayPerShare: Double? { averagePrice.map { $0 - whalePrice } }
}

/// The return on cost of independent units (Σ pnl / Σ cost) with the ratio estimator's delta-method standard error
/// and the Student t of (n − 1) degrees of freedom.
public enum RatioInterval {
    /// (estimate, low, high) at two-sided `level`; nil below 2 units or without cost.
    public static func of(
        _ units: [(cost: Double, pnl: Double)], level: Double = 0.95
    ) -> (
        estimate: Double, low: Double, high: Double
    )? {
        let totalCost = units.reduce(0) { $0 + $1.cost }
        guard units.count >= 2, totalCost > 0 else { return nil }
        let r = units.reduce(0) { $0 + $1.pnl } / totalCost
        let n = Double(units.count)
        let residuals = units.reduce(0) { $0 + ($1.pnl - r * $1.cost) * ($1.pnl - r * $1.cost) }
        let se = (residuals * n / (n - 1)).squareRoot() / totalCost
        let t = OutcomeProbability.studentT(1 - (1 - level) / 2, degreesOfFreedom: n - 1)
        return (r, r - t * se, r + t * se)
    }
}
