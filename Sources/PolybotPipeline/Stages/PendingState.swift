import PolybotCore

/// A trading-state change waiting to be written.
struct PendingState: Sendable, Equatable {
    var state: TradingState
    var reason: String
    var actor: String
}

/// The database did not confirm a write in time.
struct PersistTimeout: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "the database did not answer within \(limit)" }
}

/// Resuming was refused: the reconciliation check found problems (trading is reduce-only meanwhile).
package struct ResumeRefused: Error, CustomStringConvertible {
    package var problems: [String]
    package var description: String { "trading not resumed: " + problems.joined(separator: "; ") }
}
