import Foundation
import Synchronization

/// Short-lived, single-use tickets for opening the event stream. A browser cannot set an `Authorization` header on a
/// WebSocket, and a bearer token in a query string ends up in proxy and access logs; a ticket there is worthless
/// once used or after ``lifetime`` seconds.
package final class StreamTickets: Sendable {
    private struct Entry {
        var role: Role
        var expires: Int64
    }
    private let entries = Mutex<[String: Entry]>([:])
    /// Seconds a ticket stays valid.
    package let lifetime: Int64
    /// Outstanding tickets kept at most (the oldest are dropped first).
    package let capacity: Int

    /// Creates an empty ticket book.
    package init(lifetime: Int64 = 30, capacity: Int = 1_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Issues a ticket for `role`.
    package func issue(role: Role, now: Int64) -> (ticket: String, expiresAt: Int64) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let ticket = bytes.map { String(format: "%02x", $0) }.joined()
        let expires = now + lifetime
        entries.withLock { map in
            map = map.filter { $0.value.expires > now }
            if map.count >= capacity, let oldest = map.min(by: { $0.value.expires < $1.value.expires })?.key {
                map[oldest] = nil
            }
            map[ticket] = Entry(role: role, expires: expires)
        }
        return (ticket, expires)
    }

    /// True when the ticket is known and unexpired (it is not spent).
    package func isValid(_ ticket: String, now: Int64) -> Bool {
        entries.withLock { $0[ticket].map { $0.expires > now } ?? false }
    }

    /// The ticket's role if it is known and unexpired; the ticket is spent either way.
    package func redeem(_ ticket: String, now: Int64) -> Role? {
        entries.withLock { map in
            guard let e = map.removeValue(forKey: ticket), e.expires > now else { return nil }
            return e.role
        }
    }
}
