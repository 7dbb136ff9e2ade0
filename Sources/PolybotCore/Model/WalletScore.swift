/// What kind of trader a wallet looks like.
public enum WalletClass: String, Sendable, Codable, Hashable, CaseIterable {
    case informed, marketMaker, bot, unclassified
}

/// A wallet's metrics at one point in time (one snapshot of the nightly job).
///
/// Statistics are `Double`; money is ``Micros``. Optional metrics are `nil` below the minimum sample.
public struct WalletScore: Hashable, Sendable, Codable {
    /// The wallet.
    public var wallet: Address
    /// When it was computed (Unix seconds).
    public var computedAt: Int64
    /// Closed positions counted.
    public var closedPositions: Int
    /// Positions still open.
    public var openPositions: Int
    /// Wins / closed positions; nil with no closed position.
    public var winRate: Double?
    /// Win rate with exponential age decay.
    public var decayedWinRate: Double?
    /// Beta-posterior mean of the win rate.
    public var shrunkWinRate: Double
    /// 5 % lower bound of the Beta posterior.
    public var winRateLowerBound: Double
    /// Mean / stdev of position returns.
    public var sharpe: Double?
    /// Kelly fraction in [0, 1].
    public var kelly: Double?
    /// Mean return per dollar risked.
    public var ev: Double?
    /// Win rate minus volume-weighted entry price.
    public var edge: Double?
    /// Realised PnL.
    public var realizedPnl: Micros
    /// Traded volume.
    public var volume: Micros
    /// Distinct markets traded.
    public var markets: Int
    /// Trades counted.
    public var trades: Int
    /// The classifier's verdict.
    public var walletClass: WalletClass
    /// The classifier's inputs, by name.
    public var features: [String: Double]

    /// Creates a score.
    public init(
        wallet: Address, computedAt: Int64, closedPositions: Int, openPositions: Int, winRate: Double?,
        decayedWinRate: Double?, shrunkWinRate: Double, winRateLowerBound: Double, sharpe: Double?, kelly: Double?,
        ev: Double?, edge: Double?, realizedPnl: Micros, volume: Micros, markets: Int, trades: Int,
        walletClass: WalletClass, features: [String: Double] = [:]
    ) {
        self.wallet = wallet
        self.computedAt = computedAt
        self.closedPositions = closedPositions
        self.openPositions = openPositions
        self.winRate = winRate
        self.decayedWinRate = decayedWinRate
        self.shrunkWinRate = shrunkWinRate
        self.winRateLowerBound = winRateLowerBound
        self.sharpe = sharpe
        self.kelly = kelly
        self.ev = ev
        self.edge = edge
        self.realizedPnl = realizedPnl
        self.volume = volume
        self.markets = markets
        self.trades = trades
        self.walletClass = walletClass
        self.features = features
    }
}
