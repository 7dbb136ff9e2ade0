/// Which market-channel connection watches which token (pure: the watcher does the I/O).
///
/// The venue takes about 500 asset ids per connection (feeds notes §2.1, unconfirmed), so the awaited tokens are
/// spread over up to `sockets` connections of `perSocket` tokens. A change keeps every token where it is: tokens no
/// longer awaited leave their connection (`unsubscribe`), new ones fill the first connection with room
/// (`subscribe`), so no connection reconnects because another market was traded.
package struct ResolutionWatchPlan: Sendable, Equatable {
    /// One connection's change: tokens to add and to remove.
    package struct Change: Sendable, Equatable {
        package var socket: Int
        package var subscribe: [String]
        package var unsubscribe: [String]

        /// Creates a change.
        package init(socket: Int, subscribe: [String], unsubscribe: [String]) {
            self.socket = socket
            self.subscribe = subscribe
            self.unsubscribe = unsubscribe
        }
    }

    package let sockets: Int
    package let perSocket: Int
    /// The tokens of each connection.
    package private(set) var assigned: [Set<String>]

    /// An empty plan.
    package init(sockets: Int, perSocket: Int) {
        precondition(sockets > 0 && perSocket > 0, "a plan needs a connection and room on it")
        self.sockets = sockets
        self.perSocket = perSocket
        assigned = Array(repeating: [], count: sockets)
    }

    /// Tokens beyond the plan's room are left out (the periodic catalog pass still covers their markets).
    package static func capped(_ wanted: [String], room: Int) -> (kept: [String], leftOut: Int) {
        var seen = Set<String>()
        let unique = wanted.filter { seen.insert($0).inserted }
        return (Array(unique.prefix(room)), max(0, unique.count - room))
    }

    /// Moves the plan to `wanted` (in priority order; what does not fit is left out) and returns each connection's
    /// change, connections without a change left out.
    package mutating func update(to wanted: [String]) -> [Change] {
        let keep = Set(Self.capped(wanted, room: sockets * perSocket).kept)
        var changes = (0..<sockets).map { Change(socket: $0, subscribe: [], unsubscribe: []) }
        for i in assigned.indices {
            let gone = assigned[i].subtracting(keep)
            assigned[i].subtract(gone)
            changes[i].unsubscribe = gone.sorted()
        }
        let placed = assigned.reduce(into: Set<String>()) { $0.formUnion($1) }
        var socket = 0
        for token in Self.capped(wanted, room: sockets * perSocket).kept where !placed.contains(token) {
            while assigned[socket].count >= perSocket { socket += 1 }
            assigned[socket].insert(token)
            changes[socket].subscribe.append(token)
        }
        return changes.filter { !$0.subscribe.isEmpty || !$0.unsubscribe.isEmpty }
    }

    /// Connections that hold a token (a connection opens when it first gets one).
    package var used: Int { (assigned.lastIndex { !$0.isEmpty } ?? -1) + 1 }
}
