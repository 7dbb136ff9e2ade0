import Foundation
import PolybotCore
import PolybotStore

// JSON shapes of the API. Money and prices are decimal strings ("0.41", "12000.5"): exact, never floats.

/// A whale trade.
package struct TradeDTO: Codable, Sendable {
    var id: Int64
    var wallet: String
    var side: String
    var asset: String
    var conditionId: String
    var title: String
    var outcome: String
    var eventSlug: String
    var size: String
    var price: String
    var notional: String
    var timestamp: Int64
    var source: String

    init(id: Int64, _ t: Trade) {
        self.id = id
        wallet = t.wallet.hex
        side = t.side.rawValue
        asset = t.asset
        conditionId = t.conditionId
        title = t.title
        outcome = t.outcome
        eventSlug = t.eventSlug
        size = "\(t.size)"
        price = "\(t.price)"
        notional = "\(t.notional)"
        timestamp = t.timestamp
        source = t.source.rawValue
    }
}

/// A wallet score snapshot.
package struct ScoreDTO: Codable, Sendable {
    var computedAt: Int64
    var walletClass: String
    var closedPositions: Int
    var openPositions: Int
    var winRate: Double?
    var decayedWinRate: Double?
    var shrunkWinRate: Double
    var winRateLowerBound: Double
    var sharpe: Double?
    var kelly: Double?
    var ev: Double?
    var edge: Double?
    var realizedPnl: String
    var volume: String
    var markets: Int
    var trades: Int
    var features: [String: Double]
    /// The stored snapshot's id (what signals and risk decisions record).
    var snapshotId: Int64?
    var edgeStandardError: Double?
    var edgeZ: Double?
    var pValue: Double?
    /// Benjamini–Hochberg q-value across the run that scored it.
    var qValue: Double?
    var resolvedMarkets: Int
    /// Independent events among the resolved markets (nil for snapshots stored before they were counted).
    var resolvedEvents: Int?
    /// The edge over the population's calibration curve (price-bucket base rates), beside the edge over price.
    var edgeOverCalibration: Double?
    var markout1h: Double?
    var markout24h: Double?
    var markoutTrades: Int
    /// The rule, features and thresholds that decided the class.
    var classBasis: ClassBasis?
    /// The edge's one-sided 95 % lower bound (Student t, resolved events − 1 df); nil below 2.
    var edgeLowerBound: Double?

    init(_ s: WalletScore) {
        edgeLowerBound = s.edgeLowerBound
        computedAt = s.computedAt
        walletClass = s.walletClass.rawValue
        closedPositions = s.closedPositions
        openPositions = s.openPositions
        winRate = s.winRate
        decayedWinRate = s.decayedWinRate
        shrunkWinRate = s.shrunkWinRate
        winRateLowerBound = s.winRateLowerBound
        sharpe = s.sharpe
        kelly = s.kelly
        ev = s.ev
        edge = s.edge
        realizedPnl = "\(s.realizedPnl)"
        volume = "\(s.volume)"
        markets = s.markets
        trades = s.trades
        features = s.features
        snapshotId = s.snapshotId
        edgeStandardError = s.edgeStandardError
        edgeZ = s.edgeZ
        pValue = s.pValue
        qValue = s.qValue
        resolvedMarkets = s.resolvedMarkets
        resolvedEvents = s.resolvedEvents
        edgeOverCalibration = s.edgeOverCalibration
        markout1h = s.markout1h
        markout24h = s.markout24h
        markoutTrades = s.markoutTrades
        classBasis = s.classBasis
    }
}

/// A tracked wallet with its latest score.
package struct WhaleDTO: Codable, Sendable {
    var address: String
    var label: String
    var tags: [String]
    var listStatus: String
    var tracked: Bool
    var source: String
    var addedAt: Int64
    var score: ScoreDTO?
    /// The last win-rate lower bounds, oldest first.
    var sparkline: [Double]
    var baskets: [Int64]
}

/// A copy signal.
package struct SignalDTO: Codable, Sendable {
    var id: Int64
    var key: String
    var basketId: Int64?
    var conditionId: String
    var asset: String
    var outcome: String
    var agreeing: Int
    var opposing: Int
    var ratio: Double
    var wallets: [String]
    var whalePrice: String
    var whaleNotional: String
    var bestAsk: String?
    var status: String
    var reason: String
    var createdAt: Int64
    /// The agreeing votes: one list of wallets per cluster (absent on signals stored before clusters).
    var votes: [[String]]?

    init(_ r: SignalRow) {
        id = r.id
        key = r.key
        basketId = r.basketId
        conditionId = r.conditionId
        asset = r.asset
        outcome = r.outcome
        agreeing = r.agreeing
        opposing = r.opposing
        ratio = r.ratio
        wallets = r.wallets
        whalePrice = "\(r.whalePrice)"
        whaleNotional = "\(r.whaleNotional)"
        votes = r.votes
        bestAsk = r.bestAsk.map { "\($0)" }
        status = r.status
        reason = r.reason
        createdAt = r.createdAt
    }

    init(_ s: CopySignal, id: Int64) {
        self.id = id
        key = s.key
        basketId = s.basketId
        conditionId = s.conditionId
        asset = s.asset
        outcome = s.outcome
        agreeing = s.agreeing.count
        opposing = s.opposing.count
        ratio = s.ratio
        wallets = s.agreeing.map(\.hex)
        whalePrice = "\(s.whaleAveragePrice)"
        whaleNotional = "\(s.whaleNotional)"
        bestAsk = "\(s.bestAsk)"
        status = "new"
        reason = ""
        createdAt = s.createdAt
    }
}

/// One of our orders.
package struct OrderDTO: Codable, Sendable {
    var id: Int64
    var signalId: Int64?
    var purpose: String
    var mode: String
    var conditionId: String
    var asset: String
    var outcome: String
    var side: String
    var orderType: String
    var price: String
    var size: String
    var status: String
    var filledSize: String
    var averageFillPrice: String?
    var filledCost: String
    var fee: String
    var whalePrice: String?
    var exchangeOrderId: String?
    var error: String?
    var approvalExpiresAt: Int64?
    /// What the venue says matched; ahead of `filledSize` while its trades are not known (`books: pending_trades`).
    var venueMatched: String
    /// `booked` (every matched share is in the books from its trades) or `pending_trades`.
    var books: String

    init(_ o: CopyOrder) {
        venueMatched = "\(max(o.venueMatched, o.filledSize))"
        books = o.hasPendingTrades ? "pending_trades" : "booked"
        id = o.id
        signalId = o.signalId
        purpose = o.purpose.rawValue
        mode = o.mode.rawValue
        conditionId = o.conditionId
        asset = o.asset
        outcome = o.outcome
        side = o.side.rawValue
        orderType = o.orderType.rawValue
        price = "\(o.price)"
        size = "\(o.size)"
        status = o.status.rawValue
        filledSize = "\(o.filledSize)"
        averageFillPrice = o.averageFillPrice.map { "\($0)" }
        filledCost = "\(o.filledCost)"
        fee = "\(o.fee)"
        whalePrice = o.whalePrice.map { "\($0)" }
        exchangeOrderId = o.exchangeOrderId
        error = o.error
        approvalExpiresAt = o.approvalExpiresAt
    }
}

/// One of our positions.
package struct PositionDTO: Codable, Sendable {
    var id: Int64
    var mode: String
    var conditionId: String
    var asset: String
    var eventSlug: String
    var outcome: String
    var size: String
    var averagePrice: String
    var cost: String
    var markPrice: String?
    var unrealizedPnl: String
    var realizedPnl: String
    var fees: String
    var status: String
    var entrySignalId: Int64?

    init(_ p: Position) {
        id = p.id
        mode = p.mode.rawValue
        conditionId = p.conditionId
        asset = p.asset
        eventSlug = p.eventSlug
        outcome = p.outcome
        size = "\(p.size)"
        averagePrice = "\(p.averagePrice)"
        cost = "\(p.cost)"
        markPrice = p.markPrice.map { "\($0)" }
        unrealizedPnl = "\(p.unrealizedPnl)"
        realizedPnl = "\(p.realizedPnl)"
        fees = "\(p.fees)"
        status = p.status.rawValue
        entrySignalId = p.entrySignalId
    }
}

/// A risk decision.
package struct DecisionDTO: Codable, Sendable {
    var id: Int64?
    var signalId: Int64?
    var approved: Bool
    var reason: String
    var context: [String: String]
    var size: String?
    var price: String?
    var decidedAt: Int64

    init(_ r: DecisionRow) {
        id = r.id
        signalId = r.signalId
        approved = r.approved
        reason = r.reason
        context = (try? JSONDecoder().decode([String: String].self, from: Data(r.context.utf8))) ?? [:]
        size = r.size.map { "\($0)" }
        price = r.price.map { "\($0)" }
        decidedAt = r.decidedAt
    }

    init(signalId: Int64?, _ d: RiskDecision, at: Int64) {
        id = nil
        self.signalId = signalId
        switch d {
        case .approved(let i):
            approved = true
            reason = "approved"
            context = [:]
            size = "\(i.shares)"
            price = "\(i.price)"
        case .denied(let r, let c):
            approved = false
            reason = r.rawValue
            context = c
            size = nil
            price = nil
        }
        decidedAt = at
    }
}

/// A day of the PnL series.
package struct DailyPnlDTO: Codable, Sendable {
    var day: String
    var startEquity: String
    var endEquity: String
    var realizedPnl: String
    var unrealizedPnl: String
    var fees: String
    var exposure: String

    init(_ d: DailyPnl) {
        day = d.day
        startEquity = "\(d.startEquity)"
        endEquity = "\(d.endEquity)"
        realizedPnl = "\(d.realizedPnl)"
        unrealizedPnl = "\(d.unrealizedPnl)"
        fees = "\(d.fees)"
        exposure = "\(d.exposure)"
    }
}

/// A page of items and the cursor of the next one (nil at the end).
package struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var next: String?
    var total: Int?

    enum CodingKeys: String, CodingKey { case items, next, total }

    /// `next` is always present (null at the end) so clients can test it; `total` only when known.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(next, forKey: .next)
        try c.encodeIfPresent(total, forKey: .total)
    }
}
