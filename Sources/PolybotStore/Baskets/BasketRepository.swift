import PolybotCore

/// Persistence of baskets and their members.
package protocol BasketRepository: Sendable {
    /// Inserts a basket and returns it with its id. Throws ``StoreError/duplicate(constraint:)`` on a taken name.
    func create(_ basket: Basket) async throws -> Basket
    /// Replaces a basket's settings (matched on id). Throws ``StoreError/notFound(_:)`` when missing.
    func update(_ basket: Basket) async throws
    /// The basket with this id.
    func get(id: Int64) async throws -> Basket?
    /// The basket with this name.
    func get(name: String) async throws -> Basket?
    /// All baskets by name.
    func list() async throws -> [Basket]
    /// Deletes a basket and its memberships. Returns whether it existed.
    @discardableResult func delete(id: Int64) async throws -> Bool
    /// Adds or updates a member (the wallet must be a whale).
    func upsertMember(basketId: Int64, _ member: BasketMember) async throws
    /// Removes a member. Returns whether it was one.
    @discardableResult func removeMember(basketId: Int64, wallet: Address) async throws -> Bool
    /// The members of a basket, by address.
    func members(basketId: Int64) async throws -> [BasketMember]
}
