import PolybotCore
import PostgresNIO

/// ``BasketRepository`` over PostgreSQL.
package struct BasketPostgresRepository: BasketRepository {
    let db: Database

    /// Creates the repository.
    package init(db: Database) { self.db = db }

    private typealias Row = (Int64, String, String, String, Int32, Int32, Int32, Int64, Bool)
    private static let columns =
        "id, name, category, description, window_hours, min_members, consensus_ratio_bps, min_upside_micros, enabled"

    package func create(_ basket: Basket) async throws -> Basket {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                INSERT INTO whale_baskets (name, category, description, window_hours, min_members, consensus_ratio_bps,
                                           min_upside_micros, enabled)
                VALUES (\(basket.name), \(basket.category), \(basket.description), \(Int32(basket.windowHours)),
                        \(Int32(basket.minMembers)), \(Int32(basket.consensusRatioBps)), \(basket.minUpside.raw), \(basket.enabled))
                RETURNING id
                """, logger: db.logger)
            var created = basket
            for try await id in rows.decode(Int64.self) { created.id = id }
            return created
        }
    }

    package func update(_ basket: Basket) async throws {
        try await mappingErrors {
            let rows = try await db.client.query(
                """
                UPDATE whale_baskets SET name = \(basket.name), category = \(basket.category),
                    description = \(basket.description), window_hours = \(Int32(basket.windowHours)),
                    min_members = \(Int32(basket.minMembers)), consensus_ratio_bps = \(Int32(basket.consensusRatioBps)),
                    min_upside_micros = \(basket.minUpside.raw), enabled = \(basket.enabled), updated_at = now()
                WHERE id = \(basket.id) RETURNING id
                """, logger: db.logger)
            var found = false
            for try await _ in rows { found = true }
            if !found { throw StoreError.notFound("basket \(basket.id)") }
        }
    }

    package func get(id: Int64) async throws -> Basket? {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM whale_baskets WHERE id = \(id)", logger: db.logger)
        ).first
    }

    package func get(name: String) async throws -> Basket? {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM whale_baskets WHERE name = \(name)", logger: db.logger)
        ).first
    }

    package func list() async throws -> [Basket] {
        try await decode(
            db.client.query(
                "SELECT \(unescaped: Self.columns) FROM whale_baskets ORDER BY name", logger: db.logger))
    }

    package func delete(id: Int64) async throws -> Bool {
        let rows = try await db.client.query(
            "DELETE FROM whale_baskets WHERE id = \(id) RETURNING id", logger: db.logger)
        var deleted = false
        for try await _ in rows { deleted = true }
        return deleted
    }

    package func upsertMember(basketId: Int64, _ member: BasketMember) async throws {
        try await mappingErrors {
            try await db.client.query(
                """
                INSERT INTO basket_wallets (basket_id, wallet, weight_bps, membership)
                VALUES (\(basketId), \(member.wallet.hex), \(Int32(member.weightBps)), \(member.membership.rawValue))
                ON CONFLICT (basket_id, wallet) DO UPDATE SET weight_bps = EXCLUDED.weight_bps,
                    membership = EXCLUDED.membership
                """, logger: db.logger)
        }
    }

    package func removeMember(basketId: Int64, wallet: Address) async throws -> Bool {
        let rows = try await db.client.query(
            "DELETE FROM basket_wallets WHERE basket_id = \(basketId) AND wallet = \(wallet.hex) RETURNING wallet",
            logger: db.logger)
        var deleted = false
        for try await _ in rows { deleted = true }
        return deleted
    }

    package func members(basketId: Int64) async throws -> [BasketMember] {
        let rows = try await db.client.query(
            "SELECT wallet, weight_bps, membership FROM basket_wallets WHERE basket_id = \(basketId) ORDER BY wallet",
            logger: db.logger)
        var result: [BasketMember] = []
        for try await (wallet, weight, membership) in rows.decode((String, Int32, String).self) {
            guard let a = Address(wallet), let m = Membership(rawValue: membership) else {
                throw StoreError.corruptRow("basket member \(wallet)")
            }
            result.append(BasketMember(wallet: a, weightBps: Int(weight), membership: m))
        }
        return result
    }

    private func decode(_ rows: PostgresRowSequence) async throws -> [Basket] {
        var result: [Basket] = []
        for try await r in rows.decode(Row.self) {
            result.append(
                Basket(
                    id: r.0, name: r.1, category: r.2, description: r.3, windowHours: Int(r.4), minMembers: Int(r.5),
                    consensusRatioBps: Int(r.6), minUpside: Micros(r.7), enabled: r.8))
        }
        return result
    }
}
