import Foundation
import NIOCore
import PolybotCore
import PostgresNIO

extension TradePostgresRepository {
    /// The insert benchmark's peer, not a path Polybot uses: the rows streamed with `COPY … FROM STDIN` straight into
    /// `whale_trades` — no staging table, no `ON CONFLICT`, no source tracking — so it fails on a key already stored.
    /// What is left between it and ``insertBatch(_:)`` is the price of those guarantees.
    package func copyRaw(_ trades: [Trade]) async throws {
        guard !trades.isEmpty else { return }
        try await mappingErrors {
            try await db.client.withTransaction(logger: db.logger) { conn in
                try await conn.copyFrom(
                    table: "whale_trades",
                    columns: Self.columns.split(separator: ",").map {
                        $0.trimmingCharacters(in: .whitespacesAndNewlines)
                    },
                    logger: db.logger
                ) { writer in
                    try await CopyText.write(trades, to: writer, timeAsText: true)
                }
            }
        }
    }
}

extension CopyText {
    /// A `timestamptz` literal of Unix seconds in UTC (`2025-10-10 12:00:00+00`), for a `COPY` into a time column. For
    /// the years 1–9999 (a trade's time always is); outside them it stops loudly rather than write a wrong time.
    static func timestampLiteral(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil, (1...9999).contains(parts.tm_year + 1900) else {
            preconditionFailure("no timestamp literal for \(seconds) s")
        }
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d+00", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
