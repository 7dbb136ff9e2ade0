import PolybotCore

/// A generated binary market that resolves at a known time: what a world's resolutions and resolutions file are made
/// of.
public protocol GeneratedResolution {
    var conditionId: String { get }
    var tokens: [String] { get }
    /// The winning token's index.
    var winner: Int { get }
    var resolvesAt: Int64 { get }
    /// The question and event slug the resolutions file names.
    var resolutionQuestion: String { get }
    var resolutionEvent: String { get }
}

extension Array where Element: GeneratedResolution {
    /// The resolutions by condition id, each with its time.
    public var resolutions: [String: MarketResolution] {
        Dictionary(
            uniqueKeysWithValues: map {
                (
                    $0.conditionId,
                    MarketResolution(
                        conditionId: $0.conditionId, winningToken: $0.tokens[$0.winner], resolvedAt: $0.resolvesAt,
                        tokens: $0.tokens)
                )
            })
    }

    /// The resolutions file (the layout of `midterms2022_resolutions.csv`), each with its exact time.
    public func resolutionRows() -> [String] {
        [TradeFileWriter.resolutionsHeader]
            + map { m in
                TradeFileWriter.resolutionRow(
                    conditionId: m.conditionId, question: m.resolutionQuestion, eventSlug: m.resolutionEvent,
                    tokens: m.tokens, winner: m.winner, resolvedAt: TradeFileWriter.resolutionTime(m.resolvesAt))
            }
    }
}
