import Foundation
import PolybotCore

/// Builds the market catalog from trades plus an optional resolutions file.
public enum HistoryCatalog {
    /// A resolution row (the layout of `nobel2025_resolutions.derived.csv`).
    public struct Resolution: Sendable {
        public var conditionId: String
        public var question: String
        public var eventSlug: String
        public var yesToken: String
        public var noToken: String
        public var winningIndex: Int?
        /// When it resolved (a date alone: the end of that day), if the file says.
        public var resolvedAt: Int64? = nil

        /// Creates a resolution row.
        public init(
            conditionId: String, question: String, eventSlug: String, yesToken: String, noToken: String,
            winningIndex: Int?, resolvedAt: Int64? = nil
        ) {
            self.resolvedAt = resolvedAt
            self.conditionId = conditionId
            self.question = question
            self.eventSlug = eventSlug
            self.yesToken = yesToken
            self.noToken = noToken
            self.winningIndex = winningIndex
        }
    }

    /// Reads a resolutions CSV (`conditionId,question,eventSlug,yes_token,no_token,winning_outcome,winning_outcomeIndex,…`).
    ///
    /// - Throws: file errors and ``FeedDecodeError`` for a missing column.
    public static func readResolutions(path: String) throws -> [Resolution] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var rows = CSV.parse(text).map(\.fields)
        guard !rows.isEmpty else { return [] }
        let header = rows.removeFirst()
        func col(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else { throw FeedDecodeError.missingField("CSV column \(name)") }
            return i
        }
        let c = try col("conditionId")
        let q = try col("question")
        let e = try col("eventSlug")
        let y = try col("yes_token")
        let n = try col("no_token")
        let w = try col("winning_outcomeIndex")
        // Resolution times as the backtest reads them (resolved_at_utc; a date alone counts from the end of that day).
        let times = header.contains("resolved_at_utc") ? try ResolutionFileReader.read(path: path) : [:]
        return rows.filter { $0.count > max(c, q, e, y, n, w) }.map {
            Resolution(
                conditionId: $0[c].lowercased(), question: $0[q], eventSlug: $0[e], yesToken: $0[y], noToken: $0[n],
                winningIndex: Int($0[w]), resolvedAt: times[$0[c].lowercased()]?.resolvedAt)
        }
    }

    /// Markets for every condition id seen in `trades`, completed by the resolutions.
    public static func build(trades: [Trade], resolutions: [Resolution]) -> [String: HistoryMarket] {
        var markets: [String: HistoryMarket] = [:]
        var order: [String] = []
        for t in trades {
            var m =
                markets[t.conditionId]
                ?? {
                    order.append(t.conditionId)
                    return HistoryMarket(
                        conditionId: t.conditionId, question: t.title, slug: t.slug, eventSlug: t.eventSlug, tokens: [],
                        outcomes: [], tickSize: .hundredth, minOrderSize: Micros(5_000_000), negRisk: false,
                        winner: nil,
                        gammaId: 0)
                }()
            if !m.tokens.contains(t.asset) {
                let index = t.outcomeIndex ?? m.tokens.count
                while m.tokens.count <= min(index, 1) {
                    m.tokens.append("")
                    m.outcomes.append("")
                }
                if index < m.tokens.count, m.tokens[index].isEmpty {
                    m.tokens[index] = t.asset
                    m.outcomes[index] = t.outcome
                } else if let free = m.tokens.firstIndex(of: "") {
                    m.tokens[free] = t.asset
                    m.outcomes[free] = t.outcome
                }
            }
            // Prices with a third decimal mean a 0.001 tick.
            if t.price.raw % 10_000 != 0 { m.tickSize = .thousandth }
            markets[t.conditionId] = m
        }
        for r in resolutions {
            var m =
                markets[r.conditionId]
                ?? {
                    order.append(r.conditionId)
                    return HistoryMarket(
                        conditionId: r.conditionId, question: r.question, slug: "", eventSlug: r.eventSlug, tokens: [],
                        outcomes: [], tickSize: .hundredth, minOrderSize: Micros(5_000_000), negRisk: false,
                        winner: nil,
                        gammaId: 0)
                }()
            m.tokens = [r.yesToken, r.noToken]
            m.outcomes = ["Yes", "No"]
            if m.question.isEmpty { m.question = r.question }
            if m.eventSlug.isEmpty { m.eventSlug = r.eventSlug }
            m.winner = r.winningIndex.flatMap { $0 < 2 ? m.tokens[$0] : nil }
            m.resolvedAt = r.resolvedAt
            markets[r.conditionId] = m
        }
        // Several markets in one event form a neg-risk group, as on Polymarket's multi-outcome events.
        var perEvent: [String: Int] = [:]
        for m in markets.values where !m.eventSlug.isEmpty { perEvent[m.eventSlug, default: 0] += 1 }
        for (i, id) in order.enumerated() {
            markets[id]?.gammaId = 500_000 + i
            if let e = markets[id]?.eventSlug, (perEvent[e] ?? 0) > 1 { markets[id]?.negRisk = true }
            markets[id]?.tokens.removeAll { $0.isEmpty }
        }
        return markets
    }
}
