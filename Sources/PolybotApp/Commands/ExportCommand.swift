import Foundation
import Logging
import PolybotPipeline
import PolybotStore
import PostgresNIO

/// `polybot export (orders|trades|positions|signals|risk) --format csv|jsonl [--since DATE]`: audit and spreadsheet
/// exports, oldest first. Money, prices and sizes are exact decimals (never floats); times are ISO 8601 UTC.
package enum ExportCommand {
    /// What can be exported.
    package enum Table: String, CaseIterable, Sendable {
        case orders, trades, positions, signals, risk
    }

    /// Output format.
    package enum Format: String, CaseIterable, Sendable {
        case csv, jsonl
    }

    /// (column name, SQL expression) per table, and the table's time column for `--since`.
    static func columns(_ t: Table) -> (from: String, time: String, cols: [(String, String)]) {
        func dec(_ c: String) -> String { "trim_scale(\(c)::numeric / 1000000)" }
        func ts(_ c: String) -> String { "to_char(\(c) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" }
        switch t {
        case .orders:
            return (
                "copy_orders", "created_at",
                [
                    ("id", "id"), ("created_at", ts("created_at")), ("signal_id", "signal_id"), ("purpose", "purpose"),
                    ("mode", "mode"),
                    ("condition_id", "condition_id"), ("asset", "asset"), ("outcome", "outcome"), ("side", "side"),
                    ("order_type", "order_type"),
                    ("price", dec("price_micros")), ("size", dec("size_micros")), ("status", "status"),
                    ("filled_size", dec("filled_size_micros")),
                    ("avg_fill_price", dec("avg_fill_price_micros")), ("filled_cost", dec("filled_cost_micros")),
                    ("fee", dec("fee_micros")),
                    ("whale_price", dec("whale_price_micros")), ("exchange_order_id", "exchange_order_id"),
                    ("error", "error"),
                ]
            )
        case .trades:
            return (
                "whale_trades", "traded_at",
                [
                    ("id", "id"), ("traded_at", ts("traded_at")), ("wallet", "wallet"), ("side", "side"),
                    ("asset", "asset"),
                    ("condition_id", "condition_id"), ("title", "title"), ("outcome", "outcome"),
                    ("size", dec("size_micros")),
                    ("price", dec("price_micros")), ("notional", dec("notional_micros")),
                    ("transaction_hash", "transaction_hash"), ("source", "source"),
                ]
            )
        case .positions:
            return (
                "positions", "opened_at",
                [
                    ("id", "id"), ("opened_at", ts("opened_at")), ("closed_at", ts("closed_at")), ("mode", "mode"),
                    ("condition_id", "condition_id"),
                    ("asset", "asset"), ("event_slug", "event_slug"), ("outcome", "outcome"),
                    ("size", dec("size_micros")),
                    ("avg_price", dec("avg_price_micros")), ("cost", dec("cost_micros")),
                    ("realized_pnl", dec("realized_pnl_micros")),
                    ("mark_price", dec("mark_price_micros")), ("fees", dec("fees_micros")), ("status", "status"),
                    ("entry_signal_id", "entry_signal_id"),
                ]
            )
        case .signals:
            return (
                "signals", "created_at",
                [
                    ("id", "id"), ("created_at", ts("created_at")), ("signal_key", "signal_key"),
                    ("basket_id", "basket_id"),
                    ("condition_id", "condition_id"), ("asset", "asset"), ("outcome", "outcome"),
                    ("agreeing", "agreeing"), ("opposing", "opposing"),
                    ("ratio", "ratio"), ("whale_avg_price", dec("whale_avg_price_micros")),
                    ("whale_notional", dec("whale_notional_micros")),
                    ("best_ask", dec("best_ask_micros")), ("status", "status"), ("status_reason", "status_reason"),
                    ("wallets", "array_to_string(wallets, ' ')"),
                ]
            )
        case .risk:
            return (
                "risk_decisions", "decided_at",
                [
                    ("id", "id"), ("decided_at", ts("decided_at")), ("signal_id", "signal_id"),
                    ("approved", "approved"), ("reason", "reason"),
                    ("context", "context::text"), ("size", dec("size_micros")), ("price", dec("price_micros")),
                ]
            )
        }
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
        let spec = columns(table)
        let select = spec.cols.map { "(\($0.1))::text" }.joined(separator: ", ")
        let sinceDate = since.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        let sql =
            "SELECT json_build_array(\(select))::text FROM \(spec.from) WHERE ($1::timestamptz IS NULL OR \(spec.time) >= $1) ORDER BY id"
        var bindings = PostgresBindings()
        bindings.append(sinceDate)
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        let names = spec.cols.map(\.0)
        if format == .csv { emit(names.map(csvField).joined(separator: ",")) }
        var count = 0
        for try await text in rows.decode(String.self) {
            let values = try JSONDecoder().decode([String?].self, from: Data(text.utf8))
            switch format {
            case .csv: emit(values.map { csvField($0 ?? "") }.joined(separator: ","))
            case .jsonl:
                var parts: [String] = []
                for (name, v) in zip(names, values) { parts.append("\"\(name)\":" + (v.map(jsonString) ?? "null")) }
                emit("{" + parts.joined(separator: ",") + "}")
            }
            count += 1
        }
        return count
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
