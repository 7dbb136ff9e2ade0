import Logging
import PostgresNIO

/// Bulk rows for the benchmarks, made by the server in one statement each (`generate_series`): far faster than
/// inserting them one by one, and only ever run against a throwaway database.
package struct BenchmarkSeeds: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// `count` tracked wallets `0x…0001`, `0x…0002`, … each with two score snapshots (today and yesterday), one in
    /// seven a bot and the rest informed.
    package func scoredWhales(count: Int) async throws {
        try await client.query(
            """
            INSERT INTO whales (address, label, source)
            SELECT '0x' || lpad(to_hex(g), 40, '0'), 'w' || g, 'import' FROM generate_series(1, \(count)) g
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO wallet_scores (wallet, computed_at, closed_positions, open_positions, win_rate, shrunk_win_rate,
                win_rate_lower_bound, sharpe, kelly, realized_pnl_micros, volume_micros, markets, trades, class)
            SELECT '0x' || lpad(to_hex(g), 40, '0'), now() - (d || ' days')::interval, 20, 1, 0.6, 0.58, 0.3 + (g % 100) / 1000.0,
                   1.2, 0.1, g * 1000, g * 10000, 5, 40, CASE WHEN g % 7 = 0 THEN 'bot' ELSE 'informed' END
            FROM generate_series(1, \(count)) g, generate_series(0, 1) d
            """, logger: logger)
    }

    /// Tracks every wallet that has a stored whale trade.
    /// A table's size on disk with its indexes and TOAST (`pg_total_relation_size`), in bytes.
    package func tableBytes(_ table: String) async throws -> Int64 {
        let rows = try await client.query("SELECT pg_total_relation_size(\(table)::regclass)", logger: logger)
        for try await bytes in rows.decode(Int64.self) { return bytes }
        return 0
    }

    package func trackEveryTradingWallet() async throws {
        try await client.query(
            "INSERT INTO whales (address, tracked, source) SELECT DISTINCT wallet, true, 'import' FROM whale_trades",
            logger: logger)
    }
}

extension PolybotStore {
    /// Bulk rows for the benchmarks (``BenchmarkSeeds``).
    package var benchmarkSeeds: BenchmarkSeeds { BenchmarkSeeds(client: db.client.pool, logger: db.logger) }
}
