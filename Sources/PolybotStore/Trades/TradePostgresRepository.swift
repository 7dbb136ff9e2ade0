import Foundation
import NIOCore
import PolybotCore
import PostgresNIO

/// ``TradeRepository`` over PostgreSQL. The batch path streams rows with `COPY … FROM STDIN` into a
/// temporary table and moves them with one `INSERT … ON CONFLICT DO NOTHING`, which is what makes a nightly
/// backfill of hundreds of thousands of rows cheap and re-runnable.
package struct TradePostgresRepository: TradeRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    static let columns = """
        transaction_hash, wallet, asset, condition_id, side, size_micros, price_micros, notional_micros, outcome,
        outcome_index, title, slug, event_slug, trader_name, pseudonym, traded_at, source, log_index, ordinal
        """

    /// One row per trade, whichever sources saw it: a row with the key already stored gains the delivering source
    /// (and the chain's log index) instead of a second row; a source that saw it already changes nothing.
    private static let oneRowPerTrade = """
        ON CONFLICT ON CONSTRAINT whale_trades_natural_key DO UPDATE
            SET sources = array_append(whale_trades.sources, EXCLUDED.source),
                log_index = coalesce(EXCLUDED.log_index, whale_trades.log_index)
            WHERE NOT (EXCLUDED.source = ANY (whale_trades.sources))
        """

    package func insert(_ t: Trade) async throws -> Int64? {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                INSERT INTO whale_trades (\(unescaped: Self.columns), sources)
                VALUES (\(t.transactionHash), \(t.wallet.hex), \(t.asset), \(t.conditionId), \(t.side.rawValue),
                        \(t.size.raw), \(t.price.raw), \(t.notional.raw), \(t.outcome), \(t.outcomeIndex.map(Int32.init)),
                        \(t.title), \(t.slug), \(t.eventSlug), \(t.traderName), \(t.pseudonym),
                        \(Date(unixSeconds: t.timestamp)), \(t.source.rawValue), \(t.logIndex.map(Int32.init)),
                        \(Int32(clamping: t.ordinal ?? 0)), ARRAY[\(t.source.rawValue)])
                \(unescaped: Self.oneRowPerTrade)
                RETURNING id, (xmax = 0) AS inserted
                """, logger: db.logger)
            // A row that existed gains this source (one row per trade, every source that saw it) but is not new.
            for try await (id, inserted) in rows.decode((Int64, Bool).self) { return inserted ? id : nil }
            return nil
        }
    }

    /// Batches at least this large are split over two connections: index maintenance is CPU-bound in the
    /// server, one backend per core nearly doubles throughput on a 2-core host (measured: 28.7k → 47k rows/s).
    static let parallelThreshold = 5_000

    package func insertBatch(_ trades: [Trade]) async throws -> Int {
        try await insertBatch(trades, parallel: true)
    }

    package func insertBatch(_ trades: [Trade], parallel: Bool) async throws -> Int {
        // One row per natural key within the batch (the first one seen): `ON CONFLICT DO UPDATE` cannot touch a row
        // twice in one statement, and deduplicating here spares the server a sort.
        var seen = Set<TradeKey>(minimumCapacity: trades.count)
        var trades = trades
        trades.removeAll { !seen.insert($0.key).inserted }
        guard parallel, trades.count >= Self.parallelThreshold else { return try await insertOneBatch(trades) }
        // Partition by the natural key so the two transactions never touch the same key and never wait
        // on each other's speculative inserts; duplicates within the batch land in the same partition.
        var parts: [[Trade]] = [[], []]
        parts[0].reserveCapacity(trades.count / 2 + 1)
        parts[1].reserveCapacity(trades.count / 2 + 1)
        for t in trades {
            parts[Int(UInt(bitPattern: t.key.hashValue) & 1)].append(t)
        }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for part in parts where !part.isEmpty {
                group.addTask { try await self.insertOneBatch(part) }
            }
            return try await group.reduce(0, +)
        }
    }

    private func insertOneBatch(_ trades: [Trade]) async throws -> Int {
        guard !trades.isEmpty else { return 0 }
        return try await mappingErrors {
            try await db.client.withTransaction(logger: db.logger) { conn in
                try await conn.query(
                    """
                    CREATE TEMP TABLE trades_stage (
                        transaction_hash text, wallet text, asset text, condition_id text, side text, size_micros bigint,
                        price_micros bigint, notional_micros bigint, outcome text, outcome_index int, title text,
                        slug text, event_slug text, trader_name text, pseudonym text, traded_at bigint, source text,
                        log_index int, ordinal int
                    ) ON COMMIT DROP
                    """, logger: db.logger)
                try await conn.copyFrom(table: "trades_stage", logger: db.logger) { writer in
                    try await CopyText.write(trades, to: writer)
                }
                let rows = try await conn.query(
                    """
                    WITH ins AS (
                        INSERT INTO whale_trades (\(unescaped: Self.columns), sources)
                        SELECT transaction_hash, wallet, asset, condition_id, side, size_micros, price_micros,
                               notional_micros, outcome, outcome_index, title, slug, event_slug, trader_name, pseudonym,
                               to_timestamp(traded_at), source, log_index, ordinal, ARRAY[source]
                        FROM trades_stage
                        \(unescaped: Self.oneRowPerTrade)
                        RETURNING (xmax = 0) AS inserted
                    ) SELECT count(*) FILTER (WHERE inserted)::bigint FROM ins
                    """, logger: db.logger)
                var inserted = 0
                for try await n in rows.decode(Int64.self) { inserted = Int(n) }
                return inserted
            }
        }
    }

    package func retract(_ key: TradeKey, source: TradeSource) async throws -> TradeRetraction {
        try await mappingErrors {
            try await db.client.withTransaction(logger: db.logger) { conn in
                let rows = try await conn.query(
                    """
                    UPDATE whale_trades SET sources = array_remove(sources, \(source.rawValue)),
                        -- The log index was the retracted block's; a re-inclusion brings its own.
                        log_index = CASE WHEN \(source.rawValue) = 'chain' THEN NULL ELSE log_index END
                    WHERE transaction_hash = \(key.transactionHash) AND wallet = \(key.wallet.hex)
                      AND asset = \(key.asset) AND side = \(key.side.rawValue) AND size_micros = \(key.size.raw)
                      AND ordinal = \(Int32(clamping: key.ordinal)) AND \(source.rawValue) = ANY (sources)
                    RETURNING id, cardinality(sources)
                    """, logger: db.logger)
                var found: (id: Int64, left: Int32)?
                for try await (id, left) in rows.decode((Int64, Int32).self) { found = (id, left) }
                guard let found else { return .absent }
                var signals: [Int64] = []
                for try await id in try await conn.query(
                    "SELECT id FROM signals WHERE \(found.id) = ANY (trade_ids) ORDER BY id", logger: db.logger
                ).decode(Int64.self) { signals.append(id) }
                // A row no other source saw goes; one another source also saw stays (it happened), without this one.
                if found.left == 0 {
                    try await conn.query("DELETE FROM whale_trades WHERE id = \(found.id)", logger: db.logger)
                }
                return TradeRetraction.retracted(id: found.id, deleted: found.left == 0, signals: signals)
            }
        }
    }

    package func sources(_ key: TradeKey) async throws -> [TradeSource]? {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                SELECT array_to_string(sources, ',') FROM whale_trades
                WHERE transaction_hash = \(key.transactionHash) AND wallet = \(key.wallet.hex) AND asset = \(key.asset)
                  AND side = \(key.side.rawValue) AND size_micros = \(key.size.raw) AND ordinal = \(Int32(clamping: key.ordinal))
                """, logger: db.logger)
            for try await text in rows.decode(String.self) {
                return text.split(separator: ",").compactMap { TradeSource(rawValue: String($0)) }
            }
            return nil
        }
    }

    package func recent(limit: Int) async throws -> [StoredTrade] {
        try await decode(
            db.client.query(
                "SELECT id, \(unescaped: Self.selectColumns) FROM whale_trades ORDER BY traded_at DESC, id DESC LIMIT \(Int64(limit))",
                logger: db.logger))
    }

    package func page(
        wallet: Address?, market: String?, side: TradeSide?, minNotional: Micros?, beforeId: Int64?, limit: Int
    ) async throws
        -> [StoredTrade]
    {
        try await decode(
            db.client.query(
                """
                SELECT id, \(unescaped: Self.selectColumns) FROM whale_trades
                WHERE (\(wallet?.hex)::text IS NULL OR wallet = \(wallet?.hex)) AND (\(market)::text IS NULL OR condition_id = \(market))
                  AND (\(side?.rawValue)::text IS NULL OR side = \(side?.rawValue))
                  AND (\(minNotional?.raw)::bigint IS NULL OR notional_micros >= \(minNotional?.raw))
                  AND (\(beforeId)::bigint IS NULL OR id < \(beforeId))
                ORDER BY id DESC LIMIT \(Int64(limit))
                """, logger: db.logger))
    }

    package func trades(wallet: Address, since: Int64) async throws -> [StoredTrade] {
        try await decode(
            db.client.query(
                """
                SELECT id, \(unescaped: Self.selectColumns) FROM whale_trades
                WHERE wallet = \(wallet.hex) AND traded_at >= \(Date(unixSeconds: since)) ORDER BY traded_at, id
                """, logger: db.logger))
    }

    package func count() async throws -> Int {
        let rows = try await db.client.query("SELECT count(*)::bigint FROM whale_trades", logger: db.logger)
        for try await n in rows.decode(Int64.self) { return Int(n) }
        return 0
    }

    package func trades(wallets: [Address]) async throws -> [Address: [Trade]] {
        let rows = try await db.client.query(
            """
            SELECT id, \(unescaped: Self.selectColumns) FROM whale_trades
            WHERE wallet = ANY(\(wallets.map(\.hex))) ORDER BY wallet, traded_at, id
            """, logger: db.logger)
        var out: [Address: [Trade]] = [:]
        for stored in try await decode(rows) { out[stored.trade.wallet, default: []].append(stored.trade) }
        return out
    }

    package func all(limit: Int) async throws -> [Trade] {
        let rows = try await db.client.query(
            "SELECT id, \(unescaped: Self.selectColumns) FROM whale_trades ORDER BY traded_at, id LIMIT \(Int64(limit))",
            logger: db.logger)
        return try await decode(rows).map(\.trade)
    }

    package func wallets(minNotional: Micros, since: Int64) async throws -> [Address] {
        let rows = try await db.client.query(
            """
            SELECT DISTINCT wallet FROM whale_trades
            WHERE notional_micros >= \(minNotional.raw) AND traded_at >= \(Date(unixSeconds: since)) ORDER BY wallet
            """, logger: db.logger)
        var out: [Address] = []
        for try await w in rows.decode(String.self) { if let a = Address(w) { out.append(a) } }
        return out
    }

    package func latestTradeTime(wallet: Address) async throws -> Int64? {
        let rows = try await db.client.query(
            "SELECT max(traded_at) FROM whale_trades WHERE wallet = \(wallet.hex)", logger: db.logger)
        for try await d in rows.decode(Date?.self) { return d?.unixSeconds }
        return nil
    }

    package func markets(wallets: [Address]) async throws -> Set<String> {
        let rows = try await db.client.query(
            "SELECT DISTINCT condition_id FROM whale_trades WHERE wallet = ANY(\(wallets.map(\.hex)))",
            logger: db.logger)
        var out = Set<String>()
        for try await m in rows.decode(String.self) { out.insert(m) }
        return out
    }

    static let selectColumns = """
        transaction_hash, wallet, asset, condition_id, side, size_micros, price_micros, outcome, outcome_index, title,
        slug, event_slug, trader_name, pseudonym, traded_at, source, log_index, ordinal
        """

    func decode(_ rows: PostgresRowSequence) async throws -> [StoredTrade] {
        var result: [StoredTrade] = []
        for try await r in rows.decode(
            (
                Int64, String, String, String, String, String, Int64, Int64, String, Int32?, String, String, String,
                String, String, Date, String, Int32?, Int32
            ).self)
        {
            guard let wallet = Address(r.2), let side = TradeSide(rawValue: r.5),
                let source = TradeSource(rawValue: r.16)
            else {
                throw StoreError.corruptRow("trade \(r.0)")
            }
            let trade = Trade(
                transactionHash: r.1, wallet: wallet, asset: r.3, conditionId: r.4, side: side, size: Micros(r.6),
                price: Micros(r.7), timestamp: r.15.unixSeconds, outcome: r.8, outcomeIndex: r.9.map(Int.init),
                title: r.10,
                slug: r.11, eventSlug: r.12, traderName: r.13, pseudonym: r.14, source: source,
                logIndex: r.17.map(Int.init), ordinal: r.18 > 0 ? Int(r.18) : nil)
            result.append(StoredTrade(id: r.0, trade: trade))
        }
        return result
    }
}

/// Encodes rows in PostgreSQL's COPY text format: tab-separated, `\N` for null, with backslash escapes.
enum CopyText {
    /// Streams `trades` to a `COPY … FROM STDIN` in buffers of about 1 MiB.
    static func write(_ trades: [Trade], to writer: PostgresCopyFromWriter, timeAsText: Bool = false) async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(1 << 20)
        for t in trades {
            appendRow(t, to: &buffer, timeAsText: timeAsText)
            if buffer.readableBytes > (1 << 20) - 4096 {
                try await writer.write(buffer)
                buffer.clear()
            }
        }
        if buffer.readableBytes > 0 { try await writer.write(buffer) }
    }

    /// - Parameter timeAsText: the trade time as a `timestamptz` literal (a `COPY` straight into `whale_trades`) instead
    ///   of Unix seconds (the staging table's `bigint`).
    static func appendRow(_ t: Trade, to buffer: inout ByteBuffer, timeAsText: Bool = false) {
        field(t.transactionHash, &buffer)
        tab(&buffer)
        field(t.wallet.hex, &buffer)
        tab(&buffer)
        field(t.asset, &buffer)
        tab(&buffer)
        field(t.conditionId, &buffer)
        tab(&buffer)
        field(t.side.rawValue, &buffer)
        tab(&buffer)
        buffer.writeString(String(t.size.raw))
        tab(&buffer)
        buffer.writeString(String(t.price.raw))
        tab(&buffer)
        buffer.writeString(String(t.notional.raw))
        tab(&buffer)
        field(t.outcome, &buffer)
        tab(&buffer)
        if let i = t.outcomeIndex { buffer.writeString(String(i)) } else { buffer.writeStaticString("\\N") }
        tab(&buffer)
        field(t.title, &buffer)
        tab(&buffer)
        field(t.slug, &buffer)
        tab(&buffer)
        field(t.eventSlug, &buffer)
        tab(&buffer)
        field(t.traderName, &buffer)
        tab(&buffer)
        field(t.pseudonym, &buffer)
        tab(&buffer)
        if timeAsText {
            buffer.writeString(timestampLiteral(t.timestamp))
        } else {
            buffer.writeString(String(t.timestamp))
        }
        tab(&buffer)
        field(t.source.rawValue, &buffer)
        tab(&buffer)
        if let i = t.logIndex { buffer.writeString(String(i)) } else { buffer.writeStaticString("\\N") }
        tab(&buffer)
        buffer.writeString(String(t.ordinal ?? 0))
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    private static func tab(_ buffer: inout ByteBuffer) { buffer.writeInteger(UInt8(ascii: "\t")) }

    /// Writes a text value, escaping the bytes COPY treats specially; NUL (which PostgreSQL text cannot hold) is dropped.
    static func field(_ text: String, _ buffer: inout ByteBuffer) {
        var needsEscape = false
        for b in text.utf8 where b == 0x5C || b == 0x09 || b == 0x0A || b == 0x0D || b == 0 {
            needsEscape = true
            break
        }
        guard needsEscape else {
            buffer.writeString(text)
            return
        }
        for b in text.utf8 {
            switch b {
            case 0x5C: buffer.writeStaticString("\\\\")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            case 0: break
            default: buffer.writeInteger(b)
            }
        }
    }
}
