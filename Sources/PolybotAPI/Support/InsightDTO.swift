import Foundation
import PolybotCore
import PolybotStore

// JSON shapes of the whale-intelligence pages. Money is decimal strings; rates and statistics are numbers.

/// A market's title, outcomes and category (for titling every row that names a market).
struct MarketTitleDTO: Encodable, Sendable {
    var conditionId: String
    var question: String
    var slug: String
    var eventSlug: String
    var category: String?
    var outcomes: [String]
    var tokenIds: [String]
    var closed: Bool
    var winningToken: String?
    var resolvedAt: Int64?

    init(_ m: MarketInfo, category: String?) {
        conditionId = m.conditionId
        question = m.question
        slug = m.slug
        eventSlug = m.eventSlug
        self.category = category
        outcomes = m.outcomes
        tokenIds = m.tokenIds
        closed = m.closed
        winningToken = m.winningToken
        resolvedAt = m.resolvedAt
    }
}

/// Whether copying a wallet kept an edge after our delay and fees.
struct CopyabilityDTO: Encodable, Sendable {
    var entries: Int
    var theirEdge: Double
    var delayCost: Double
    var fee: Double
    var keptEdge: Double
    var uncopyable: Bool
    /// The kept edge's 95 % interval (nil below 2 entries; absent from reports stored before it existed).
    var keptLow: Double?
    var keptHigh: Double?
    /// Under 10 entries the page says "too few to judge" instead of a figure.
    var tooFewToJudge: Bool
    /// Where the figures come from: our resolved fills, or a stored backtest.
    var source: String

    init(
        entries: Int, theirEdge: Double, delayCost: Double, fee: Double, keptEdge: Double, uncopyable: Bool,
        keptLow: Double? = nil, keptHigh: Double? = nil, source: String
    ) {
        self.keptLow = keptLow
        self.keptHigh = keptHigh
        tooFewToJudge = entries < BasketRecord.minimumToJudge
        self.entries = entries
        self.theirEdge = theirEdge
        self.delayCost = delayCost
        self.fee = fee
        self.keptEdge = keptEdge
        self.uncopyable = uncopyable
        self.source = source
    }

    init(_ c: Copyability, source: String) {
        self.init(
            entries: c.entries, theirEdge: c.theirEdge, delayCost: c.delayCost, fee: c.fee, keptEdge: c.keptEdge,
            uncopyable: c.uncopyable, keptLow: c.keptLow, keptHigh: c.keptHigh, source: source)
    }
}

/// A scored wallet on the leaderboard.
struct LeaderboardRow: Encodable, Sendable {
    var address: String
    var label: String
    var tracked: Bool
    var listStatus: String
    var score: ScoreDTO
    /// edge − t × its standard error (one-sided 95 %, Student t with resolved markets − 1 df); nil below 2 resolved
    /// markets.
    var edgeLowerBound: Double?
    /// Its categories by whale-trade volume, largest first.
    var categories: [String]
    var copyability: CopyabilityDTO?
    /// The wallet's cluster (its lowest address) and how many wallets it holds (1: no links).
    var cluster: String
    var clusterSize: Int
}

/// A basket, by id and name.
struct BasketRefDTO: Encodable, Sendable {
    var id: Int64
    var name: String
}

/// A point of a wallet's equity curve.
struct ProfileEquityDTO: Encodable, Sendable {
    var time: Int64
    var conditionId: String
    var title: String
    var pnl: String
    var cumulative: String
}

/// A calibration bucket.
struct CalibrationDTO: Encodable, Sendable {
    var lower: Double
    var upper: Double
    var positions: Int
    var meanPrice: Double
    var winRate: Double
    var winRateLow: Double
    var winRateHigh: Double

    init(_ b: WalletProfile.CalibrationBucket) {
        lower = b.lower
        upper = b.upper
        positions = b.positions
        meanPrice = b.meanPrice
        winRate = b.winRate
        winRateLow = b.winRateLow
        winRateHigh = b.winRateHigh
    }
}

/// A wallet's activity in one category.
struct CategoryDTO: Encodable, Sendable {
    var category: String
    var trades: Int
    var volume: String
    var closedPositions: Int
    var wins: Int
    var realizedPnl: String
}

/// `GET /api/v1/whales/{address}/profile`.
struct WalletProfileDTO: Encodable, Sendable {
    /// The wallets linked to this one, with the evidence (issue 31).
    var cluster: ClusterDTO?
    var address: String
    var label: String
    var tracked: Bool
    var listStatus: String
    var baskets: [BasketRefDTO]
    /// The latest snapshot (edge, interval, q-value, markouts, class and its basis).
    var score: ScoreDTO?
    var edgeLowerBound: Double?
    /// Snapshots oldest first.
    var history: [ScoreDTO]
    var equity: [ProfileEquityDTO]
    var calibration: [CalibrationDTO]
    var calibratedPositions: Int
    var categories: [CategoryDTO]
    /// Trades by UTC weekday (0 = Monday) and hour.
    var activity: [[Int]]
    var copyability: CopyabilityDTO?
    var recentTrades: [TradeDTO]
    /// The time the profile was drawn at (resolutions after it are not used).
    var asOf: Int64
}

/// A signal in the ledger with its grade.
struct LedgerLineDTO: Encodable, Sendable {
    var signal: SignalDTO
    var title: String?
    var basket: String?
    var entryStatus: String?
    var filledShares: String
    var deniedReason: String?
    /// open, won or lost.
    var result: String
    /// True when the figures are our fill's; false when they are what the signal would have made at its price.
    var filled: Bool
    var cost: String?
    var pnl: String?
    /// True once the market resolved and a PnL could be given.
    var graded: Bool
}

/// A point of a basket's running record.
struct BasketPointDTO: Encodable, Sendable {
    var time: Int64
    var hitRate: Double
    var returnOnCost: Double
    var pnl: String
}

/// A basket's graded record.
struct BasketRecordDTO: Encodable, Sendable {
    var basket: String
    var signals: Int
    var graded: Int
    var won: Int
    var hitRate: Double?
    var cost: String
    var pnl: String
    var returnOnCost: Double?
    /// Fewer than 10 graded signals: the rates are not a result (the page says "too few to judge").
    var tooFewToJudge: Bool
    /// Wilson 95 % interval of the hit rate.
    var hitRateLow: Double?
    var hitRateHigh: Double?
    /// 95 % interval of the return on cost (delta method, Student t).
    var returnLow: Double?
    var returnHigh: Double?
    /// Signals not filled (skipped, denied, expired) whose would-be result is known, and its sum.
    var notFilledGraded: Int
    var notFilledPnl: String
    var series: [BasketPointDTO]
}

/// `GET /api/v1/signals/ledger`.
struct LedgerDTO: Encodable, Sendable {
    var items: [LedgerLineDTO]
    var next: String?
    var baskets: [BasketRecordDTO]
    /// The stake a not-filled signal is graded at.
    var stake: String
}

/// Open exposure in one event.
struct EventExposureDTO: Encodable, Sendable {
    var eventSlug: String
    var positions: Int
    var cost: String
    var unrealizedPnl: String
}
