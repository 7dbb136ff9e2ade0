import PolybotCore

/// Persistence of tracked wallets and their operator annotations.
package protocol WhaleRepository: Sendable {
    /// Inserts or replaces a whale (matched on address); `addedAt` is kept from the first insert.
    func upsert(_ whale: Whale) async throws
    /// The whale with this address, if any.
    func get(_ address: Address) async throws -> Whale?
    /// Whales in address order.
    func list(limit: Int, offset: Int) async throws -> [Whale]
    /// Removes a whale (and its basket memberships). Returns whether it existed.
    @discardableResult func delete(_ address: Address) async throws -> Bool
    /// The number of whales.
    func count() async throws -> Int
    /// Several whales by address (absent ones are missing from the result).
    func get(_ addresses: [Address]) async throws -> [Address: Whale]
    /// Every whale, tracked or not, in address order.
    func all() async throws -> [Whale]
}

extension WhaleRepository {
    /// The allow and deny lists (wallets whose `listStatus` is allow / deny), as the whale filter takes them.
    package func lists() async throws -> (allow: Set<Address>, deny: Set<Address>) {
        let all = try await all()
        return (
            Set(all.filter { $0.listStatus == .allow }.map(\.address)),
            Set(all.filter { $0.listStatus == .deny }.map(\.address))
        )
    }
}
