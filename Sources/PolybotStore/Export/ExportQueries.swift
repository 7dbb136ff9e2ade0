import Foundation
import Logging
import PostgresNIO

/// What `polybot export` can export.
package enum ExportTable: String, CaseIterable, Sendable {
    case orders, trades, positions, signals, risk
}

/// The audit and spreadsheet exports' SQL: each table's columns as text (money, prices and sizes as exact decimals,
/// times ISO 8601 UTC), oldest first.
package enum ExportQueries {
    /// (column name, SQL expression) per table, and the table's time column for `--since`.
    static func columns(_ t: ExportTable) -> (from: String, time: String, cols: [(String, String)]) {
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
                    ("sources", "array_to_string(sources, ',')"), ("log_index", "log_index"),
                    ("ordinal", "ordinal"),
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

    /// The column names of a table's export, in order.
    package static func names(_ table: ExportTable) -> [String] { columns(table).cols.map(\.0) }

    /// Reads a table's rows (since `since`, Unix seconds, when given), oldest first, each as its columns' text (nil
    /// for NULL), handing them to `row` one at a time; returns how many.
    package static func rows(
        _ table: ExportTable, since: Int64?, client: PostgresClient, logger: Logger, _ row: ([String?]) throws -> Void
    ) async throws -> Int {
        let spec = columns(table)
        let select = spec.cols.map { "(\($0.1))::text" }.joined(separator: ", ")
        let sinceDate = since.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        let sql =
            "SELECT json_build_array(\(select))::text FROM \(spec.from) WHERE ($1::timestamptz IS NULL OR \(spec.time) >= $1) ORDER BY id"
        var bindings = PostgresBindings()
        bindings.append(sinceDate)
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var count = 0
        for try await text in rows.decode(String.self) {
            try row(try JSONDecoder().decode([String?].self, from: Data(text.utf8)))
            count += 1
        }
        return count
    }
}
