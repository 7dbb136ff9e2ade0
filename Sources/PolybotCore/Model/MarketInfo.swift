/// What Polybot knows about a market (from Gamma or derived from trades).
public struct MarketInfo: Sendable, Hashable {
    public var conditionId: String
    public var question: String
    public var slug: String
    public var eventSlug: String
    public var outcomes: [String]
    public var tokenIds: [String]
    /// Tick in micro units.
    public var tickSize: Micros
    public var minOrderSize: Micros
    public var negRisk: Bool
    public var closed: Bool
    public var winningToken: String?
    public var resolvedAt: Int64?
    /// What the venue says about the market's fees (not stated until Gamma or the CLOB has been asked).
    public var fees: MarketFees

    /// Creates a market record.
    public init(
        conditionId: String, question: String = "", slug: String = "", eventSlug: String = "", outcomes: [String] = [],
        tokenIds: [String] = [], tickSize: Micros = Micros(10_000), minOrderSize: Micros = Micros(5_000_000),
        negRisk: Bool = false, closed: Bool = false, winningToken: String? = nil, resolvedAt: Int64? = nil,
        fees: MarketFees = .notStated
    ) {
        self.fees = fees
        self.conditionId = conditionId
        self.question = question
        self.slug = slug
        self.eventSlug = eventSlug
        self.outcomes = outcomes
        self.tokenIds = tokenIds
        self.tickSize = tickSize
        self.minOrderSize = minOrderSize
        self.negRisk = negRisk
        self.closed = closed
        self.winningToken = winningToken
        self.resolvedAt = resolvedAt
    }

    /// The resolution view the scorer uses.
    public var resolution: MarketResolution {
        MarketResolution(conditionId: conditionId, winningToken: winningToken, resolvedAt: resolvedAt, tokens: tokenIds)
    }
}
