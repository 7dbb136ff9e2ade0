import Foundation
import PolybotCore

/// Reads market resolutions for `polybot score`: the CSV layout of `nobel2025_resolutions.derived.csv`
/// (`conditionId, …, yes_token, no_token, winning_outcome, winning_outcomeIndex, resolved_at_utc, …`), or Gamma market
/// objects as JSONL (a line may also wrap the Gamma object in `"raw"`, as the btc5m sample does).
public enum ResolutionFileReader {
    /// Resolutions by condition id.
    ///
    /// - Throws: file errors; ``FeedDecodeError`` for a CSV without the needed columns.
    public static func read(path: String) throws -> [String: MarketResolution] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let first = text.first { !$0.isWhitespace }
        return first == "{" ? readJSONL(text) : try readCSV(text)
    }

    private static func readCSV(_ text: String) throws(FeedDecodeError) -> [String: MarketResolution] {
        var records = CSV.parse(text)
        guard !records.isEmpty else { return [:] }
        let header = records.removeFirst().fields
        func col(_ name: String) throws(FeedDecodeError) -> Int {
            guard let i = header.firstIndex(of: name) else { throw .missingField("CSV column \(name)") }
            return i
        }
        let c = try col("conditionId")
        let y = try col("yes_token")
        let n = try col("no_token")
        let w = try col("winning_outcomeIndex")
        let at = header.firstIndex(of: "resolved_at_utc")
        let basis = header.firstIndex(of: "basis")
        var out: [String: MarketResolution] = [:]
        for r in records where r.fields.count > max(c, y, n, w) {
            let f = r.fields
            let tokens = [f[y], f[n]]
            let winner = Int(f[w]).flatMap { $0 < 2 ? tokens[$0] : nil }
            var resolvedAt: Int64?
            if let at, at < f.count {
                resolvedAt = resolutionTime(f[at], basis: basis.flatMap { $0 < f.count ? f[$0] : nil })
            }
            let id = f[c].lowercased()
            out[id] = MarketResolution(conditionId: id, winningToken: winner, resolvedAt: resolvedAt, tokens: tokens)
        }
        return out
    }

    private static func readJSONL(_ text: String) -> [String: MarketResolution] {
        var out: [String: MarketResolution] = [:]
        for line in text.split(separator: "\n") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                continue
            }
            let market = (object["raw"] as? [String: Any]) ?? object
            guard let data = try? JSONSerialization.data(withJSONObject: market),
                let m = try? JSONDecoder().decode(GammaMarket.self, from: data)
            else { continue }
            out[m.conditionId] = MarketResolution(
                conditionId: m.conditionId, winningToken: m.winningTokenId, resolvedAt: nil,
                tokens: m.clobTokenIds)
        }
        return out
    }

    /// When a resolution became known, from `resolved_at_utc` (and the `basis` column, which for Gamma-derived rows
    /// reads `… closed YYYY-MM-DD HH:MM:SS+00`). A full time (`YYYY-MM-DDTHH:MM:SSZ`, `YYYY-MM-DD HH:MM:SS`, or Unix
    /// seconds) is taken as it is; a date alone means "some time that day", so it counts from the *last second* of the day — a
    /// point-in-time score must never learn a result before it was public. Nil when neither says.
    static func resolutionTime(_ text: String, basis: String?) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let unix = Int64(trimmed), unix > 100_000_000 { return unix }
        if let full = dateTime(trimmed) { return full }
        if let basis, let range = basis.range(of: "closed ") {
            let rest = basis[range.upperBound...].prefix(19)
            if let closed = dateTime(String(rest)), dayStart(trimmed).map({ closed >= $0 }) ?? true { return closed }
        }
        return dayStart(trimmed).map { $0 + 86_399 }
    }

    /// `YYYY-MM-DD[T ]HH:MM:SS` (UTC; a trailing `Z` or `+00` ignored) → Unix seconds.
    package static func dateTime(_ text: String) -> Int64? {
        guard text.count >= 19, let day = dayStart(text) else { return nil }
        let clock = text.dropFirst(11).prefix(8).split(separator: ":").compactMap { Int64($0) }
        let separator = text[text.index(text.startIndex, offsetBy: 10)]
        guard clock.count == 3, separator == "T" || separator == " " else { return nil }
        return day + clock[0] * 3_600 + clock[1] * 60 + clock[2]
    }

    /// `YYYY-MM-DD` → Unix seconds at 00:00 UTC.
    package static func dayStart(_ text: String) -> Int64? {
        let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var c = DateComponents()
        c.year = parts[0]
        c.month = parts[1]
        c.day = parts[2]
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        return cal.date(from: c).map { Int64($0.timeIntervalSince1970) }
    }
}
