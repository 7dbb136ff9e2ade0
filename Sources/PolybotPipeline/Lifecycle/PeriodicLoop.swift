import PolybotCore
import ServiceLifecycle

/// The loop of a periodic service, written once: a pass every `interval` of `clock` (sleeping before each pass when
/// `sleepFirst`, else after it), each pass handed the state the previous one returned, until graceful shutdown or
/// cancellation — a normal end. Any other error from a pass stops the loop and is handed to `stopped` (log + metric).
package func runPeriodically<State: Sendable>(
    every interval: Duration, on clock: any PipelineClock, sleepFirst: Bool = false, initial: State,
    _ pass: @escaping @Sendable (State) async throws -> State,
    stopped: @Sendable (any Error) -> Void
) async {
    do {
        try await cancelWhenGracefulShutdown {
            var state = initial
            while !Task.isCancelled {
                if sleepFirst { try await clock.sleep(for: interval) }
                state = try await pass(state)
                if !sleepFirst { try await clock.sleep(for: interval) }
            }
        }
    } catch is CancellationError {
        // The graceful shutdown (or the group's cancellation): a normal end.
    } catch {
        stopped(error)
    }
}
