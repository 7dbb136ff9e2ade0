import PolybotCore
import Synchronization

/// The operator's trading state as the last step sees it: the risk manager sets it **in memory first** (a halt is in
/// force here before it is written, so it works while the database is down), and the live gateway reads it right
/// before every POST — entries and retries, the tracker's re-sends, and after every wait for the venue.
///
/// Nil until the risk manager has loaded the stored state: nothing is sent then, and nothing is ended either (the
/// order waits for the next attempt), because an unknown state is not a halt.
package final class TradingGate: Sendable {
    private let state: Mutex<TradingState?>

    /// A gate in `initial` (nil: not loaded yet; a gateway without a risk manager, as in tests, passes `.active`).
    package init(_ initial: TradingState? = .active) { state = Mutex(initial) }

    /// The state in force (nil: not loaded yet).
    package var current: TradingState? { state.withLock { $0 } }

    /// Replaces the state (the risk manager, on load and on every change).
    package func set(_ s: TradingState) { state.withLock { $0 = s } }

    /// What the last step does with an order of `purpose` now.
    package func decision(for purpose: OrderPurpose) -> Decision {
        guard let s = current else { return .wait }
        return s.refusal(sending: purpose).map { .refuse($0) } ?? .send
    }

    /// The last step's answer.
    package enum Decision: Sendable, Equatable {
        /// Send it.
        case send
        /// Never send it: the order ends `cancelled` with this reason.
        case refuse(DenialReason)
        /// The state is not known yet: do not send, try again later.
        case wait
    }
}
