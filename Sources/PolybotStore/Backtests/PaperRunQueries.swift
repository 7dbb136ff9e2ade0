import Foundation
import PolybotCore
import PostgresNIO

/// One signal of a paper run with its entry order's fill, as `polybot backtest` reports it.
package struct PaperSignalRow: Sendable, Hashable {
    package var signalId: Int64
    package var time: Int64
    package var conditionId: String
    package var asset: String
    package var outcome: String
    package var agreeing: Int
    package var whalePrice: Micros
    package var status: String
    package var reason: String
    package var scoreIds: [Int64]
    package var wallets: [String]
    /// The agreeing clusters (one list of wallets each); nil on a signal stored without them.
    package var votes: [[String]]?
    /// The entry order's limit and size (nil: no entry order).
    package var limit: Micros?
    package var ordered: Micros?
    package var averagePrice: Micros?
    package var filled: Micros?
    package var cost: Micros?
    package var fee: Micros?
    /// The entry order's error (why it did not fill), if any.
    package var orderError: String?
}

/// An order of a paper run with a fill, as `polybot replay` lists it.
package struct PaperFillRow: Sendable, Hashable {
    package var orderId: Int64
    package var signalId: Int64?
    package var purpose: String
    package var conditionId: String
    package var side: String
    package var filled: Micros
    package var averagePrice: Micros?
    package var fee: Micros
    package var status: String
}

/// The read model of a paper run's throwaway database (`polybot replay`, `polybot backtest`).
package struct PaperRunQueries: Sendable {
    let db: Database

    /// Creates the queries.
    package init(db: Database) { self.db = db }

    /// Every signal in id order with its entry order.
    package func signals() async throws -> [PaperSignalRow] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT s.id AS signal_id, extract(epoch FROM s.created_at)::bigint AS time, s.condition_id, s.asset,
                       s.outcome, s.agreeing, s.whale_avg_price_micros, s.status, s.status_reason, s.score_ids,
                       s.wallets, s.votes::text AS votes, o.price_micros, o.size_micros, o.avg_fill_price_micros, o.filled_size_micros,
                       o.filled_cost_micros, o.fee_micros, o.error
                FROM signals s LEFT JOIN copy_orders o ON o.signal_id = s.id AND o.purpose = 'entry' ORDER BY s.id
                """, logger: db.logger)
            var out: [PaperSignalRow] = []
            for try await row in rows {
                let r = row.makeRandomAccess()
                func micros(_ column: String) throws -> Micros? { try r[column].decode(Int64?.self).map(Micros.init) }
                out.append(
                    PaperSignalRow(
                        signalId: try r["signal_id"].decode(Int64.self), time: try r["time"].decode(Int64.self),
                        conditionId: try r["condition_id"].decode(String.self),
                        asset: try r["asset"].decode(String.self), outcome: try r["outcome"].decode(String.self),
                        agreeing: Int(try r["agreeing"].decode(Int32.self)),
                        whalePrice: Micros(try r["whale_avg_price_micros"].decode(Int64.self)),
                        status: try r["status"].decode(String.self), reason: try r["status_reason"].decode(String.self),
                        scoreIds: try r["score_ids"].decode([Int64].self),
                        wallets: try r["wallets"].decode([String].self),
                        votes: try r["votes"].decode(String?.self).flatMap {
                            // Written by ``SignalPostgresRepository/votesJSON(_:)``: arrays of address strings.
                            try JSONDecoder().decode([[String]].self, from: Data($0.utf8))
                        },
                        limit: try micros("price_micros"),
                        ordered: try micros("size_micros"), averagePrice: try micros("avg_fill_price_micros"),
                        filled: try micros("filled_size_micros"), cost: try micros("filled_cost_micros"),
                        fee: try micros("fee_micros"), orderError: try r["error"].decode(String?.self)))
            }
            return out
        }
    }

    /// Every order with a fill, in id order.
    package func fills() async throws -> [PaperFillRow] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT id, signal_id, purpose, condition_id, side, filled_size_micros, avg_fill_price_micros,
                       fee_micros, status
                FROM copy_orders WHERE filled_size_micros > 0 ORDER BY id
                """, logger: db.logger)
            var out: [PaperFillRow] = []
            for try await row in rows {
                let r = row.makeRandomAccess()
                out.append(
                    PaperFillRow(
                        orderId: try r["id"].decode(Int64.self), signalId: try r["signal_id"].decode(Int64?.self),
                        purpose: try r["purpose"].decode(String.self),
                        conditionId: try r["condition_id"].decode(String.self), side: try r["side"].decode(String.self),
                        filled: Micros(try r["filled_size_micros"].decode(Int64.self)),
                        averagePrice: try r["avg_fill_price_micros"].decode(Int64?.self).map(Micros.init),
                        fee: Micros(try r["fee_micros"].decode(Int64.self)), status: try r["status"].decode(String.self)
                    ))
            }
            return out
        }
    }

    /// The `computed_at` (Unix seconds) of score snapshots by id.
    package func snapshotTimes(ids: [Int64]) async throws -> [Int64: Int64] {
        try await mappingErrors {
            let rows = try await db.client.query(
                "SELECT id, extract(epoch FROM computed_at)::bigint FROM wallet_scores WHERE id = ANY(\(ids))",
                logger: db.logger)
            var out: [Int64: Int64] = [:]
            for try await (id, t) in rows.decode((Int64, Int64).self) { out[id] = t }
            return out
        }
    }

    /// What was paid per market: entry fills and their fees (a closed position's cost basis is back at zero).
    package func paidByMarket() async throws -> [String: Micros] {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT condition_id, sum(filled_cost_micros + fee_micros)::bigint FROM copy_orders
                WHERE purpose = 'entry' AND filled_size_micros > 0 GROUP BY condition_id
                """, logger: db.logger)
            var out: [String: Micros] = [:]
            for try await (market, total) in rows.decode((String, Int64).self) { out[market] = Micros(total) }
            return out
        }
    }
}
