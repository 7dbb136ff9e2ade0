import PolybotCore

/// What a trade needs to know of the market of an outcome token the chain names only by id.
public struct TokenMarket: Sendable, Equatable {
    public var conditionId: String
    public var outcome: String
    public var outcomeIndex: Int?
    public var question: String
    public var slug: String
    public var eventSlug: String

    /// Creates a record.
    public init(
        conditionId: String, outcome: String, outcomeIndex: Int?, question: String, slug: String, eventSlug: String
    ) {
        self.conditionId = conditionId
        self.outcome = outcome
        self.outcomeIndex = outcomeIndex
        self.question = question
        self.slug = slug
        self.eventSlug = eventSlug
    }
}

/// Finds the markets of outcome tokens.
public protocol TokenMarkets: Sendable {
    /// The markets of `tokens` that are known; a token missing from the answer is unknown (not an error).
    ///
    /// - Throws: when the lookup itself failed (the caller retries; it never guesses a market).
    func markets(tokens: Set<String>) async throws -> [String: TokenMarket]
}

/// Token → market from Gamma (`/markets?clob_token_ids=…`), cached for the life of the process (a token's market
/// never changes).
public actor GammaTokenDirectory: TokenMarkets {
    private let gamma: GammaClient
    private var cache: [String: TokenMarket] = [:]

    /// Creates a directory over a Gamma client.
    public init(gamma: GammaClient) { self.gamma = gamma }

    public func markets(tokens: Set<String>) async throws -> [String: TokenMarket] {
        let missing = tokens.filter { cache[$0] == nil }
        if !missing.isEmpty {
            for m in try await gamma.markets(tokenIds: missing.sorted()) {
                for (i, token) in m.clobTokenIds.enumerated() {
                    cache[token] = TokenMarket(
                        conditionId: m.conditionId.lowercased(),
                        outcome: m.outcomes.indices.contains(i) ? m.outcomes[i] : "", outcomeIndex: i,
                        question: m.question, slug: m.slug, eventSlug: m.eventSlug)
                }
            }
        }
        var out: [String: TokenMarket] = [:]
        for t in tokens { if let m = cache[t] { out[t] = m } }
        return out
    }
}
