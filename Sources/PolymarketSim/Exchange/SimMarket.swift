import Foundation
import PolybotCore
import Polymarket

/// One binary market of the simulated venue, derived from the replayed trades (and a resolutions file).
public struct SimMarket: Sendable, Equatable {
    public var conditionId: String
    public var question: String
    public var slug: String
    public var eventSlug: String
    /// Token ids, index = outcome index (0 = first outcome).
    public var tokens: [String]
    public var outcomes: [String]
    public var tickSize: TickSize
    public var minOrderSize: Micros
    public var negRisk: Bool
    /// Winning token once resolved.
    public var winner: String?
    /// Gamma numeric id.
    public var gammaId: Int
    /// The fee fields Gamma shows (nil: none, as in the data from before 2026).
    public var fees: SimFees? = nil
    /// When the resolution becomes public (sim time, Unix seconds); nil: known from the start.
    public var resolvedAt: Int64? = nil

    /// The market as the venue shows it at sim time `now`: the winner only once its resolution time has passed.
    public func visible(at now: Int64) -> SimMarket {
        guard winner != nil, let at = resolvedAt, at > now else { return self }
        var m = self
        m.winner = nil
        return m
    }

    /// The other token of the pair, if known.
    public func complement(of token: String) -> String? {
        guard tokens.count == 2, let i = tokens.firstIndex(of: token) else { return nil }
        return tokens[1 - i]
    }
}

/// Builds the market catalog from trades plus an optional resolutions file.
public enum SimCatalogBuilder {
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
        var rows = CSVRows.parse(text)
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
    public static func build(trades: [Trade], resolutions: [Resolution]) -> [String: SimMarket] {
        var markets: [String: SimMarket] = [:]
        var order: [String] = []
        for t in trades {
            var m =
                markets[t.conditionId]
                ?? {
                    order.append(t.conditionId)
                    return SimMarket(
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
                    return SimMarket(
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

/// Minimal RFC 4180 reader for the simulator's own CSV inputs.
enum CSVRows {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" {
                    if let n = iterator.next() {
                        if n == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            if n == "," {
                                row.append(field)
                                field = ""
                            } else if n == "\n" || n == "\r\n" {
                                row.append(field)
                                rows.append(row)
                                row = []
                                field = ""
                            } else if n != "\r" {
                                field.append(n)
                            }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" || c == "\r\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else if c != "\r" {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}

/// A market's fee fields as Gamma shows them (2026: `feesEnabled`, `feeType`, `feeSchedule`).
public struct SimFees: Sendable, Equatable {
    public var enabled: Bool
    public var type: String
    public var schedule: FeeSchedule

    /// Creates fee fields.
    public init(enabled: Bool = true, type: String, schedule: FeeSchedule) {
        self.enabled = enabled
        self.type = type
        self.schedule = schedule
    }
}
