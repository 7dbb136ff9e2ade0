import Foundation
import PolybotCore
import Synchronization

/// What the chain source has done, for health and `/metrics`.
public final class ChainFeedStats: Sendable {
    /// A snapshot of the counters.
    public struct Snapshot: Sendable, Equatable {
        /// The node's head at the last round (nil before the first).
        public var head: Int64?
        /// The last block whose trades are final (nil before the first range).
        public var processed: Int64?
        /// Final trades delivered.
        public var trades = 0
        /// Provisional trades seen on the subscription.
        public var provisional = 0
        /// Combo (V3) fills left out.
        public var combos = 0
        /// Logs that did not decode as a fill.
        public var rejected = 0
        /// Fills below the whale threshold on a token with no known market (left out).
        public var unknownSmall = 0
        /// Reorgs below finality, and the final trades they took back.
        public var reorgs = 0
        public var retracted = 0
        /// Ranges the node refused for their size.
        public var refusals = 0
        /// Failed rounds.
        public var errors = 0
        /// Subscription connections opened.
        public var connections = 0

        /// Blocks between the head and the last final block.
        public var lagBlocks: Int64? { head.flatMap { h in processed.map { max(0, h - $0) } } }
    }

    private let state = Mutex(Snapshot())

    /// Empty counters.
    public init() {}

    /// The counters now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    func record(_ change: (inout Snapshot) -> Void) { state.withLock { change(&$0) } }
}
