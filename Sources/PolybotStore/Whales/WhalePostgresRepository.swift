import Foundation
import PolybotCore
import PostgresNIO

/// ``WhaleRepository`` over PostgreSQL.
package struct WhalePostgresRepository: WhaleRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    package func upsert(_ whale: Whale) async throws {
        try await mappingErrors {
            try await db.client.query(
                """
                INSERT INTO whales (address, label, tags, list_status, tracked, source, notes)
                VALUES (\(whale.address.hex), \(whale.label), \(whale.tags), \(whale.listStatus.rawValue),
                        \(whale.tracked), \(whale.source.rawValue), \(whale.notes))
                ON CONFLICT (address) DO UPDATE SET
                    label = EXCLUDED.label, tags = EXCLUDED.tags, list_status = EXCLUDED.list_status,
                    tracked = EXCLUDED.tracked, source = EXCLUDED.source, notes = EXCLUDED.notes, updated_at = now()
                """, logger: db.logger)
        }
    }

    package func get(_ address: Address) async throws -> Whale? {
        try await select(where: "WHERE address = $1", binds: [address.hex], limit: 1, offset: 0).first
    }

    package func list(limit: Int, offset: Int) async throws -> [Whale] {
        try await select(where: "", binds: [], limit: limit, offset: offset)
    }

    package func delete(_ address: Address) async throws -> Bool {
        let rows = try await db.client.query(
            "DELETE FROM whales WHERE address = \(address.hex) RETURNING address", logger: db.logger)
        var deleted = false
        for try await _ in rows { deleted = true }
        return deleted
    }

    package func get(_ addresses: [Address]) async throws -> [Address: Whale] {
        var bindings = PostgresBindings()
        bindings.append(addresses.map(\.hex))
        bindings.append(Int64(Int32.max))
        bindings.append(Int64(0))
        let sql = """
            SELECT address, label, tags, list_status, tracked, source, notes, added_at FROM whales WHERE address = ANY($1)
            ORDER BY address LIMIT $2 OFFSET $3
            """
        let rows = try await db.client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: db.logger)
        var out: [Address: Whale] = [:]
        for try await (address, label, tags, status, tracked, source, notes, added) in rows.decode(
            (String, String, [String], String, Bool, String, String, Date).self)
        {
            guard let a = Address(address), let st = ListStatus(rawValue: status),
                let src = WhaleSource(rawValue: source)
            else {
                throw StoreError.corruptRow("whale \(address)")
            }
            out[a] = Whale(
                address: a, label: label, tags: tags, listStatus: st, tracked: tracked, source: src, notes: notes,
                addedAt: added.unixSeconds)
        }
        return out
    }

    package func all() async throws -> [Whale] {
        try await select(where: "", binds: [], limit: Int(Int32.max), offset: 0)
    }

    package func count() async throws -> Int {
        let rows = try await db.client.query("SELECT count(*)::bigint FROM whales", logger: db.logger)
        for try await n in rows.decode(Int64.self) { return Int(n) }
        return 0
    }

    private func select(where clause: String, binds: [String], limit: Int, offset: Int) async throws -> [Whale] {
        var bindings = PostgresBindings()
        for b in binds { bindings.append(b) }
        bindings.append(Int64(limit))
        bindings.append(Int64(offset))
        let n = binds.count
        let sql = """
            SELECT address, label, tags, list_status, tracked, source, notes, added_at FROM whales \(clause)
            ORDER BY address LIMIT $\(n + 1) OFFSET $\(n + 2)
            """
        let rows = try await db.client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: db.logger)
        var result: [Whale] = []
        for try await (address, label, tags, status, tracked, source, notes, added) in rows.decode(
            (String, String, [String], String, Bool, String, String, Date).self)
        {
            guard let a = Address(address), let s = ListStatus(rawValue: status),
                let src = WhaleSource(rawValue: source)
            else {
                throw StoreError.corruptRow("whale \(address)")
            }
            result.append(
                Whale(
                    address: a, label: label, tags: tags, listStatus: s, tracked: tracked, source: src, notes: notes,
                    addedAt: added.unixSeconds))
        }
        return result
    }
}
