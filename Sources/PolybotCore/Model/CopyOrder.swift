/// The lifecycle state of one of our orders.
public enum OrderStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case intent
    case pendingApproval = "pending_approval"
    case submitting
    case live
    case partiallyFilled = "partially_filled"
    case filled
    case cancelled
    case rejected
    case expired
    case failed
    case unknown

    /// True when no further fill can happen.
    public var isTerminal: Bool {
        switch self {
        case .filled, .cancelled, .rejected, .expired, .failed: true
        default: false
        }
    }
}

/// CLOB order types.
public enum OrderType: String, Sendable, Codable, Hashable, CaseIterable {
    case gtc = "GTC"
    case gtd = "GTD"
    case fok = "FOK"
    case fak = "FAK"
}

/// Why an order exists.
public enum OrderPurpose: String, Sendable, Codable, Hashable {
    case entry, exit
}

/// An order Polybot placed (or intends to place), persisted before anything is sent.
public struct CopyOrder: Hashable, Sendable, Codable {
    /// Database id (0 before insertion).
    public var id: Int64
    /// Unique key that makes placement at-most-once.
    public var idempotencyKey: String
    /// The signal it copies, if any.
    public var signalId: Int64?
    /// Entry or exit.
    public var purpose: OrderPurpose
    /// Execution mode.
    public var mode: RunMode
    /// The order salt (≤ 2^53 − 1), decimal.
    public var salt: String
    /// Market condition id.
    public var conditionId: String
    /// Outcome token id.
    public var asset: String
    /// BUY or SELL.
    public var side: TradeSide
    /// Order type.
    public var orderType: OrderType
    /// Limit price, micro units.
    public var price: Micros
    /// Size in shares, micro units.
    public var size: Micros
    /// Signed maker amount (base units).
    public var makerAmount: Int64
    /// Signed taker amount (base units).
    public var takerAmount: Int64
    /// GTD expiration (Unix seconds), 0 for none.
    public var expiration: Int64
    /// The exchange's order id once known.
    public var exchangeOrderId: String?
    /// Lifecycle state.
    public var status: OrderStatus
    /// Filled shares **booked from the venue's trades** (sum over the order's trade rows).
    public var filledSize: Micros
    /// Volume-weighted fill price.
    public var averageFillPrice: Micros?
    /// Fees paid.
    public var fee: Micros
    /// Last error text.
    public var error: String?
    /// The signed order's EIP-712 digest (the CLOB's order id), known before sending.
    public var orderDigest: String?
    /// The signed order's timestamp (ms), to rebuild the identical order after a crash.
    public var orderTimestampMs: Int64?
    /// The market's event (for the per-event position cap).
    public var eventSlug: String
    /// Outcome label.
    public var outcome: String
    /// The whales' average price this order copies (copy-delay cost), if any.
    public var whalePrice: Micros?
    /// USDC paid (BUY) or received (SELL) for the filled shares, before fees.
    public var filledCost: Micros
    /// Approval-queue deadline (Unix seconds): past it, a pending intent expires.
    public var approvalExpiresAt: Int64?
    /// The position its fills went to.
    public var positionId: Int64?
    /// What the venue says matched (`size_matched`, the POST's amounts); ahead of ``filledSize`` while the trades that
    /// make it up are not known yet (``hasPendingTrades``). Never booked at a guessed price.
    public var venueMatched: Micros = .zero
    /// False for an order booked before the books came from trades (migration 0010): its books stay as they were,
    /// its later trades are recorded but not booked, and reconciliation leaves it to an operator.
    public var booksFromTrades = true

    /// True while the venue reports more matched than the trades we know: the books wait for those trades.
    public var hasPendingTrades: Bool { venueMatched > filledSize }

    /// Creates an order record.
    public init(
        id: Int64 = 0, idempotencyKey: String, signalId: Int64?, purpose: OrderPurpose = .entry, mode: RunMode,
        salt: String, conditionId: String, asset: String, side: TradeSide, orderType: OrderType, price: Micros,
        size: Micros, makerAmount: Int64 = 0, takerAmount: Int64 = 0, expiration: Int64 = 0,
        exchangeOrderId: String? = nil, status: OrderStatus = .intent, filledSize: Micros = .zero,
        averageFillPrice: Micros? = nil, fee: Micros = .zero, error: String? = nil, orderDigest: String? = nil,
        orderTimestampMs: Int64? = nil, eventSlug: String = "", outcome: String = "", whalePrice: Micros? = nil,
        filledCost: Micros = .zero, approvalExpiresAt: Int64? = nil, positionId: Int64? = nil
    ) {
        self.id = id
        self.idempotencyKey = idempotencyKey
        self.signalId = signalId
        self.purpose = purpose
        self.mode = mode
        self.salt = salt
        self.conditionId = conditionId
        self.asset = asset
        self.side = side
        self.orderType = orderType
        self.price = price
        self.size = size
        self.makerAmount = makerAmount
        self.takerAmount = takerAmount
        self.expiration = expiration
        self.exchangeOrderId = exchangeOrderId
        self.status = status
        self.filledSize = filledSize
        self.averageFillPrice = averageFillPrice
        self.fee = fee
        self.error = error
        self.orderDigest = orderDigest
        self.orderTimestampMs = orderTimestampMs
        self.eventSlug = eventSlug
        self.outcome = outcome
        self.whalePrice = whalePrice
        self.filledCost = filledCost
        self.approvalExpiresAt = approvalExpiresAt
        self.positionId = positionId
    }

    /// Shares not filled yet.
    public var remaining: Micros { size > filledSize ? size - filledSize : .zero }
}
