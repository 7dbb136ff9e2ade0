/// What kind of trader a wallet looks like.
public enum WalletClass: String, Sendable, Codable, Hashable, CaseIterable {
    case informed, marketMaker, bot, unclassified
}

/// A wallet's metrics at one point in time: an immutable snapshot, valid from ``computedAt``.
///
/// Built only from trades before ``computedAt`` and resolutions known before it (point in time). Statistics are
/// `Double`; money is ``Micros``. Optional metrics are `nil` below the minimum sample.
public struct WalletScore: Hashable, Sendable, Codable {
    /// The wallet.
    public var wallet: Address
    /// The time the snapshot is as of and valid from (Unix seconds): nothing at or after it went into it.
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
    /// Cost-weighted mean of (outcome − price paid) over bets in markets resolved before ``computedAt`` (sells enter as
    /// buys of the complement at 1 − price); nil without such a bet. See ``EdgeEstimate``.
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
    /// The edge's standard error (event-clustered; never below the no-edge variance), z and p-value.
    public var edgeStandardError: Double?
    public var edgeZ: Double?
    public var pValue: Double?
    /// Benjamini–Hochberg q-value across every wallet tested in the same run (nil when not tested).
    public var qValue: Double?
    /// Markets resolved before ``computedAt`` that carried bets.
    public var resolvedMarkets: Int
    /// Independent events among those markets (the edge's sample in independent draws); nil in snapshots stored
    /// before events were counted (then the markets stand in).
    public var resolvedEvents: Int?
    /// The edge over the population's calibration curve: outcome − the base rate at which all buys in that price
    /// bucket won, over every market resolved before ``computedAt`` (cost-weighted). A mechanical favourite buyer has
    /// an edge over price that this removes; nil without resolved buys.
    public var edgeOverCalibration: Double?
    /// Cost-weighted mean price move 1 h and 24 h after the wallet's trades, in each trade's direction (known before
    /// ``computedAt``), and how many trades carry a 1 h markout.
    public var markout1h: Double?
    public var markout24h: Double?
    public var markoutTrades: Int
    /// Why the class: the rule that decided, with the features and thresholds it compared.
    public var classBasis: ClassBasis?
    /// The stored snapshot's id (set when read from the database).
    public var snapshotId: Int64?

    /// Creates a score.
    public init(
        wallet: Address, computedAt: Int64, closedPositions: Int, openPositions: Int, winRate: Double?,
        decayedWinRate: Double?, shrunkWinRate: Double, winRateLowerBound: Double, sharpe: Double?, kelly: Double?,
        ev: Double?, edge: Double?, realizedPnl: Micros, volume: Micros, markets: Int, trades: Int,
        walletClass: WalletClass, features: [String: Double] = [:], edgeStandardError: Double? = nil,
        edgeZ: Double? = nil, pValue: Double? = nil, qValue: Double? = nil, resolvedMarkets: Int = 0,
        markout1h: Double? = nil, markout24h: Double? = nil, markoutTrades: Int = 0, classBasis: ClassBasis? = nil,
        snapshotId: Int64? = nil, resolvedEvents: Int? = nil, edgeOverCalibration: Double? = nil
    ) {
        self.resolvedEvents = resolvedEvents
        self.edgeOverCalibration = edgeOverCalibration
        self.edgeStandardError = edgeStandardError
        self.edgeZ = edgeZ
        self.pValue = pValue
        self.qValue = qValue
        self.resolvedMarkets = resolvedMarkets
        self.markout1h = markout1h
        self.markout24h = markout24h
        self.markoutTrades = markoutTrades
        self.classBasis = classBasis
        self.snapshotId = snapshotId
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

/// The record of one class decision: which rule decided and the numbers it compared.
public struct ClassBasis: Hashable, Sendable, Codable {
    /// The rule that decided, e.g. `bot: periodicShare ≥ botPeriodicShare`, or why no rule did.
    public var rule: String
    /// The features compared, by name.
    public var features: [String: Double]
    /// The thresholds they were compared with, by name.
    public var thresholds: [String: Double]

    /// Creates a basis.
    public init(rule: String, features: [String: Double], thresholds: [String: Double]) {
        self.rule = rule
        self.features = features
        self.thresholds = thresholds
    }
}
