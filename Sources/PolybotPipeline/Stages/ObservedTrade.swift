import Foundation
import PolybotCore
import Polymarket

/// A trade as the listener accepted it, with the moment it arrived (per-stage and frame-to-order latency).
package struct ObservedTrade: Sendable {
    package var trade: Trade
    /// Monotonic arrival time at the listener (latency metrics only: a metrics edge, never a decision).
    package var arrived: ContinuousClock.Instant
    /// When the listener accepted it on the pipeline clock, ms (market time in replay): paper fills walk the book at this
    /// time + the copy delay.
    package var detectedAtMs: Int64
    /// What this sighting is.
    package var kind: Kind = .first

    /// What the listener saw.
    package enum Kind: Sendable, Equatable {
        /// The first sighting of the trade.
        case first
        /// Another source delivered a trade already passed on: it only adds its name to the stored row's sources.
        case repeatSighting
        /// The chain took the trade back (a reorg): it leaves the books, in order behind its own insert.
        case retraction
    }

    // clock-edge: the arrival instant feeds the latency metrics only
    /// Wraps a trade accepted at `detectedAtMs`.
    package init(_ trade: Trade, detectedAtMs: Int64, arrived: ContinuousClock.Instant = .now) {
        self.trade = trade
        self.arrived = arrived
        self.detectedAtMs = detectedAtMs
    }
}

/// A whale trade after the wallet scorer: persisted, with the wallet's latest score attached.
package struct ScoredTrade: Sendable {
    package var observed: ObservedTrade
    /// Database id (nil only when a write retried after a failure found the row already there — possibly its own
    /// earlier write whose answer was lost; the trade still flows on).
    package var tradeId: Int64?
    package var score: WalletScore?
    package var trade: Trade { observed.trade }
    /// A trade the chain took back: it leaves every consensus window it is in.
    package var retracted: Bool { observed.kind == .retraction }
}

/// A signal that fired and was stored once.
package struct DetectedSignal: Sendable {
    package var signal: CopySignal
    package var signalId: Int64
    package var eventSlug: String
    /// When the trade that completed the consensus arrived.
    package var arrived: ContinuousClock.Instant
    package var detectedAtMs: Int64
    /// The book the consensus stage read for the upside gate, and when (pipeline clock, ms).
    package var book: OrderBook?
    package var bookAtMs: Int64?
    /// The market's fee schedule the gate used.
    package var fees: FeeSchedule
}

/// A sized order on its way to the risk manager.
package struct SizedOrder: Sendable {
    package var request: ExecutionRequest
    package var arrived: ContinuousClock.Instant

    /// Creates a sized order.
    package init(request: ExecutionRequest, arrived: ContinuousClock.Instant) {
        self.request = request
        self.arrived = arrived
    }
}
