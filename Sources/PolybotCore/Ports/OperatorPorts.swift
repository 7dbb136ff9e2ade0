import Foundation

/// Where the chain source stands: its last final block, the node's head, and the final block's time.
package struct ChainProgress: Sendable, Equatable {
    package var block: Int64
    package var head: Int64
    package var blockTime: Int64
    /// Reorgs below finality seen, final trades they took back, ranges the node refused, combo fills left out, failed
    /// rounds.
    package var reorgs = 0
    package var retracted = 0
    package var refusals = 0
    package var combos = 0
    package var errors = 0

    /// Creates a record.
    package init(block: Int64, head: Int64, blockTime: Int64) {
        self.block = block
        self.head = head
        self.blockTime = blockTime
    }
}

/// One trade source's health as the trade listener sees it.
package struct FeedSourceHealth: Sendable, Equatable {
    /// `chain`, `rtds`, `data_api`, …
    package var name: String
    /// Trades it delivered (first sightings and other sources' trades it confirmed).
    package var trades: Int
    /// The newest trade time it delivered (Unix seconds, market time).
    package var newestTradeTime: Int64?
    /// Whale trades other sources delivered that it has not, past the grace period (the alarm is on while > 0).
    package var missing: Int

    /// Creates a row.
    package init(name: String, trades: Int, newestTradeTime: Int64?, missing: Int) {
        self.name = name
        self.trades = trades
        self.newestTradeTime = newestTradeTime
        self.missing = missing
    }
}

/// The feed's health as the trade listener sees it (the dashboard's data-health card).
package struct FeedHealth: Sendable, Equatable {
    /// Open feed connections.
    package var connections: Int
    /// When the last frame arrived.
    package var lastFrameAt: Date?
    /// Silences longer than the stall limit so far.
    package var stalls: Int
    /// Reconnects so far.
    package var reconnects: Int
    /// When the last backfill ran.
    package var lastBackfillAt: Date?
    /// Frames received so far.
    package var frames: Int
    /// Safety-net sweeps run, and the trades they recovered.
    package var sweeps: Int
    package var sweepRecovered: Int
    /// Each trade source: what it delivered, its newest trade, and the whale trades it is missing (divergence).
    package var sources: [FeedSourceHealth] = []
    /// The chain source: its last final block, the node's head, and the final block's time (nil: not running).
    package var chain: ChainProgress?
    /// The Data API's `/v2/status`: seconds behind the chain (lag plus the snapshot's age), and whether that passes
    /// the grace (nil: not read, or no v2).
    package var dataAPIStaleSeconds: Int?
    package var dataAPIStale = false

    /// Creates a health snapshot.
    package init(
        connections: Int, lastFrameAt: Date?, stalls: Int, reconnects: Int, lastBackfillAt: Date?, frames: Int,
        sweeps: Int, sweepRecovered: Int
    ) {
        self.connections = connections
        self.lastFrameAt = lastFrameAt
        self.stalls = stalls
        self.reconnects = reconnects
        self.lastBackfillAt = lastBackfillAt
        self.frames = frames
        self.sweeps = sweeps
        self.sweepRecovered = sweepRecovered
    }
}

/// What the operator surface reads of a running pipeline (a port: the API depends on it, the pipeline implements it).
package protocol PipelineStatus: Sendable {
    /// The risk manager's state now (trading state, equity, today's PnL).
    func riskState() async -> RiskState
    /// The feed's health now.
    func feedHealth() async -> FeedHealth
}

/// Why the pipeline refused an operator's request (the API answers 409 with the description): not in approve mode, an
/// order no longer waiting for approval, a resume that reconciliation does not allow.
package struct OperatorRefusal: Error, Equatable, CustomStringConvertible {
    package var description: String

    /// A refusal with its reason.
    package init(_ description: String) { self.description = description }
}

/// The operator's levers on a running pipeline (a port: the API depends on it, the pipeline implements it). Each
/// call is one domain step, done whole: an approval also publishes the order and sets its signal's status.
package protocol TradingControl: Sendable {
    /// Sets the trading state: halt and reduce-only take effect in memory at once, even with the database down.
    ///
    /// - Returns: whether the change is persisted yet.
    /// - Throws: ``OperatorRefusal`` when a resume is refused; any other error: the database is unavailable.
    func setTradingState(_ state: TradingState, reason: String, actor: String) async throws -> Bool
    /// Adds a cooldown lock (in force at once, then stored).
    func addCooldown(_ lock: Cooldown) async throws
    /// Approves an order queued in approve mode and places it.
    ///
    /// - Throws: ``OperatorRefusal`` (not in approve mode, not pending, expired, denied by the risk re-check).
    func approve(orderId: Int64, actor: String) async throws -> CopyOrder
    /// Rejects an order queued in approve mode.
    ///
    /// - Throws: ``OperatorRefusal`` (not in approve mode, not pending).
    func reject(orderId: Int64, actor: String, reason: String) async throws -> CopyOrder
    /// The whales' allow and deny lists changed: the next trade is judged by them.
    func whaleListsChanged(allow: Set<Address>, deny: Set<Address>) async
    /// Baskets or their members changed: the consensus reloads them on the next trade.
    func basketsChanged() async
}
