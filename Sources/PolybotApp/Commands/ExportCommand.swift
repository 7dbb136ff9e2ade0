import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PostgresNIO

/// `polybot export (orders|trades|positions|signals|risk) --format csv|jsonl [--since DATE]`: audit and spreadsheet
/// exports, oldest first. Money, prices and sizes are exact decimals (never floats); times are ISO 8601 UTC.
package enum ExportCommand {
    /// What can be exported (the SQL lives in ``ExportQueries``).
    package typealias Table = ExportTable

    /// The table named `text`, if it can be exported.
    package static func table(_ text: String) -> Table? { Table(rawValue: text) }

    /// Output format.
    package enum Format: String, CaseIterable, Sendable {
        case csv, jsonl
    }

    /// Parses `YYYY-MM-DD` or an ISO 8601 time into Unix seconds (UTC).
    package static func parseSince(_ text: String) -> Int64? {
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: text) { return Int64(d.timeIntervalSince1970) }
        iso.formatOptions = [.withFullDate]
        if let d = iso.date(from: text) { return Int64(d.timeIntervalSince1970) }
        return nil
    }

    /// Writes the export through `emit` (one line at a time); returns the number of rows.
    package static func run(
        table: Table, format: Format, since: Int64?, client: PostgresClient, logger: Logger,
        emit: (String) -> Void
    ) async throws -> Int {
        let names = ExportQueries.names(table)
        if format == .csv { emit(names.map(csvField).joined(separator: ",")) }
        return try await ExportQueries.rows(table, since: since, client: client, logger: logger) { values in
            switch format {
            case .csv: emit(values.map { csvField($0 ?? "") }.joined(separator: ","))
            case .jsonl:
                var parts: [String] = []
                for (name, v) in zip(names, values) { parts.append("\"\(name)\":" + (v.map(jsonString) ?? "null")) }
                emit("{" + parts.joined(separator: ",") + "}")
            }
        }
    }

    /// RFC 4180 quoting when needed; a leading `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets do not run it
    /// as a formula (numbers stay numbers).
    static func csvField(_ s: String) -> String {
        var v = s
        if let f = v.first, "=+@".contains(f) || (f == "-" && Double(v) == nil) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

}

extension ExportCommand {
    /// Opens the configured database (embedded when no `DATABASE_URL`) and exports to standard output.
    package static func run(
        table: Table, format: Format, since: Int64?, config: AppConfiguration, logger: Logger
    ) async throws -> Int {
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        return try await database.withClient(logger: logger) { client in
            try await run(table: table, format: format, since: since, client: client, logger: logger) { print($0) }
        }
    }
}
