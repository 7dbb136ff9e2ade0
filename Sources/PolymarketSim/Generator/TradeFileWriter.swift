import Foundation
import PolybotCore

/// Renders trades in the Data API `/trades` CSV layout (the header of `../shared/data/*.data-api.csv`),
/// and the generator's resolutions in the layout of `nobel2025_resolutions.derived.csv`.
public enum TradeFileWriter {
    /// The Data API CSV header.
    public static let csvHeader =
        "proxyWallet,side,asset,conditionId,size,price,timestamp,title,slug,icon,eventSlug,outcome,outcomeIndex,name,pseudonym,bio,profileImage,profileImageOptimized,transactionHash"

    /// One CSV line (without newline) for a trade.
    public static func csvRow(_ t: Trade) -> String {
        [
            t.wallet.hex, t.side.rawValue, t.asset, t.conditionId, t.size.description, t.price.description,
            String(t.timestamp), quote(t.title), quote(t.slug), "", quote(t.eventSlug), quote(t.outcome),
            t.outcomeIndex.map(String.init) ?? "", quote(t.traderName), quote(t.pseudonym), "", "", "",
            t.transactionHash,
        ].joined(separator: ",")
    }

    /// The resolutions CSV header.
    public static let resolutionsHeader =
        "conditionId,question,eventSlug,yes_token,no_token,winning_outcome,winning_outcomeIndex,resolved_at_utc,basis"

    /// One resolutions line for a generated market.
    public static func resolutionRow(_ m: GeneratedMarket, resolvedAt: String) -> String {
        resolutionRow(
            conditionId: m.conditionId, question: m.question, eventSlug: m.eventSlug, tokens: m.tokens,
            winner: m.winner, resolvedAt: resolvedAt)
    }

    /// One resolutions line of a binary market (`winner`: the winning token's index).
    public static func resolutionRow(
        conditionId: String, question: String, eventSlug: String, tokens: [String], winner: Int, resolvedAt: String
    ) -> String {
        [
            conditionId, quote(question), quote(eventSlug), tokens[0], tokens[1], winner == 0 ? "Yes" : "No",
            String(winner), resolvedAt, "generated",
        ].joined(separator: ",")
    }

    /// A resolution time as the resolutions file writes it (ISO 8601, UTC).
    public static func resolutionTime(_ t: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
    }

    /// RFC 4180 quoting: fields with a comma, quote or line break are wrapped and quotes doubled.
    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
