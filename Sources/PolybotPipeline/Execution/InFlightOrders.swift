import Synchronization

/// The lease on an order's status: whoever holds an order id here is the only one allowed to send, re-send or
/// resolve it. The live gateway holds it for the whole POST; the order tracker and the startup reconciler skip an
/// order they cannot lease instead of resuming it under a request that is still in flight (which made the venue answer
/// "Duplicated" and the live order be recorded as rejected).
///
/// In-process only by design: one daemon owns a database (a second one would also race on the venue); after a
/// restart nothing is in flight, so every `submitting` order is resolved by lookup.
package final class InFlightOrders: Sendable {
    private let ids = Mutex<Set<Int64>>([])

    /// Creates an empty registry.
    package init() {}

    /// Takes the lease; false when someone else holds it.
    package func acquire(_ id: Int64) -> Bool { ids.withLock { $0.insert(id).inserted } }

    /// Gives the lease back.
    package func release(_ id: Int64) { _ = ids.withLock { $0.remove(id) } }

    /// True while the order is leased.
    package func contains(_ id: Int64) -> Bool { ids.withLock { $0.contains(id) } }
}
