/// Whether a position is still held.
public enum PositionStatus: String, Sendable, Codable, Hashable {
    case open, closed, settled
}

/// One of our positions in an outcome token.
public struct Position: Hashable, Sendable, Codable {
    /// Database id (0 before insertion).
    public var id: Int64
    /// Execution mode the position belongs to.
    public var mode: RunMode
    /// Market condition id.
    public var conditionId: String
    /// Outcome token id.
    public var asset: String
    /// Event slug (for the per-event position cap).
    public var eventSlug: String
    /// Outcome label.
    public var outcome: String
    /// Shares held.
    public var size: Micros
    /// Average entry price.
    public var averagePrice: Micros
    /// Cost of the shares held.
    public var cost: Micros
    /// PnL realised by sells and settlement.
    public var realizedPnl: Micros
    /// Last mark price.
    public var markPrice: Micros?
    /// Open, closed or settled.
    public var status: PositionStatus
    /// The signal whose entry opened it (its agreeing wallets are the sells we mirror).
    public var entrySignalId: Int64?
    /// Fees paid on its fills.
    public var fees: Micros

    /// Creates a position.
    public init(
        id: Int64 = 0, mode: RunMode, conditionId: String, asset: String, eventSlug: String = "", outcome: String = "",
        size: Micros, averagePrice: Micros, cost: Micros, realizedPnl: Micros = .zero, markPrice: Micros? = nil,
        status: PositionStatus = .open, entrySignalId: Int64? = nil, fees: Micros = .zero
    ) {
        self.id = id
        self.mode = mode
        self.conditionId = conditionId
        self.asset = asset
        self.eventSlug = eventSlug
        self.outcome = outcome
        self.size = size
        self.averagePrice = averagePrice
        self.cost = cost
        self.realizedPnl = realizedPnl
        self.markPrice = markPrice
        self.status = status
        self.entrySignalId = entrySignalId
        self.fees = fees
    }

    /// Unrealised PnL at the mark price (zero without a mark).
    public var unrealizedPnl: Micros {
        guard let markPrice else { return .zero }
        return size.multiplied(by: markPrice) - cost
    }
}

/// One day's PnL summary for one mode.
public struct DailyPnl: Hashable, Sendable, Codable {
    /// The UTC day, `YYYY-MM-DD`.
    public var day: String
    /// Execution mode.
    public var mode: RunMode
    /// Equity at the start of the day.
    public var startEquity: Micros
    /// Equity at the last update.
    public var endEquity: Micros
    /// Realised PnL of the day.
    public var realizedPnl: Micros
    /// Unrealised PnL at the last mark.
    public var unrealizedPnl: Micros
    /// Fees paid.
    public var fees: Micros
    /// Open exposure at the last update.
    public var exposure: Micros

    /// Creates a day's row.
    public init(
        day: String, mode: RunMode, startEquity: Micros, endEquity: Micros, realizedPnl: Micros = .zero,
        unrealizedPnl: Micros = .zero, fees: Micros = .zero, exposure: Micros = .zero
    ) {
        self.day = day
        self.mode = mode
        self.startEquity = startEquity
        self.endEquity = endEquity
        self.realizedPnl = realizedPnl
        self.unrealizedPnl = unrealizedPnl
        self.fees = fees
        self.exposure = exposure
    }
}
