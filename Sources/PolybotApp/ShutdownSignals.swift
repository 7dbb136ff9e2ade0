import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// SIGTERM and SIGINT trapped from the first moment of `serve`, before the database starts and long before the service
/// group runs: a signal during start-up is remembered (and the start-up stops at the next step, stopping the embedded
/// cluster it started) instead of killing the process with the cluster left running. Once the group exists the signal
/// is forwarded to it as a graceful shutdown; the group itself traps no signal (one owner).
public final class ShutdownSignals: Sendable {
    private struct State {
        var requested = false
        var group: ServiceGroup?
    }
    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// The process's one instance: `polybot`'s `main` traps with it before parsing arguments when the verb is `serve`.
    public static let process = ShutdownSignals()

    private init() {}

    /// Traps SIGTERM and SIGINT now (once; later calls do nothing).
    public func trap() async {
        guard task.withLock({ $0 == nil }) else { return }
        let sequence = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let t = Task {
            for await signal in sequence {
                let group = self.state.withLock { s -> ServiceGroup? in
                    s.requested = true
                    return s.group
                }
                Logger(label: "polybot").notice(
                    "signal received; shutting down gracefully", metadata: ["signal": "\(signal)"])
                await group?.triggerGracefulShutdown()
            }
        }
        task.withLock { $0 = $0 ?? t }
    }

    /// Records a shutdown request that arrived another way (a signal caught before ``trap()`` ran).
    public func request() { state.withLock { $0.requested = true } }

    /// True once SIGTERM or SIGINT arrived.
    package var requested: Bool { state.withLock { $0.requested } }

    /// Hands signals to `group` from now on (at once, if one already arrived).
    package func forward(to group: ServiceGroup) async {
        let already = state.withLock { s -> Bool in
            s.group = group
            return s.requested
        }
        if already { await group.triggerGracefulShutdown() }
    }

    /// Stops forwarding to the group (a late signal is still trapped: it cannot kill a process that is exiting).
    package func finish() { state.withLock { $0.group = nil } }
}
