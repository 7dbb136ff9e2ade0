import Synchronization

/// Runs `work` in a task of its own and returns its value — or throws `timeout()` after `limit`, or
/// `CancellationError` as soon as the caller is cancelled — **without waiting for `work` to notice**.
///
/// Why not a task group racing a sleep: a group waits for every child before it returns, and postgres-nio does not
/// cancel a query already sent (it waits for the server's answer). A server that accepted the query and then went
/// silent would hold the caller, and with it a pipeline stage or a shutdown, for as long as the TCP connection lives.
/// Here the caller always gets its answer within the limit; `work` is cancelled and finishes in the background.
package func bounded<T: Sendable>(
    _ limit: Duration, timeout: @escaping @Sendable () -> any Error,
    _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    let slot = OneShot<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            slot.install(continuation)
            let worker = Task {
                do { slot.resume(.success(try await work())) } catch { slot.resume(.failure(error)) }
            }
            let timer = Task {
                // clock-edge: a query's time limit is wall time (a database edge). Cancelled: the answer came first.
                do { try await Task.sleep(for: limit) } catch { return }
                slot.resume(.failure(timeout()))
            }
            slot.attach(worker: worker, timer: timer)
        }
    } onCancel: {
        slot.resume(.failure(CancellationError()))
    }
}

/// The continuation of ``bounded(_:timeout:_:)``: resumed by whichever of the work, the timer and the caller's
/// cancellation comes first; later outcomes are dropped. The first outcome cancels the other two tasks.
private final class OneShot<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        /// An outcome that arrived before the continuation was installed (a cancellation can).
        var early: Result<T, any Error>?
        var done = false
        var worker: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }
    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { s -> Result<T, any Error>? in
            if let early = s.early {
                s.early = nil
                return early
            }
            s.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func attach(worker: Task<Void, Never>, timer: Task<Void, Never>) {
        let finished = state.withLock { s -> Bool in
            s.worker = worker
            s.timer = timer
            return s.done
        }
        if finished {
            worker.cancel()
            timer.cancel()
        }
    }

    func resume(_ outcome: Result<T, any Error>) {
        let (continuation, worker, timer) = state.withLock {
            s -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?) in
            guard !s.done else { return (nil, nil, nil) }
            s.done = true
            guard let c = s.continuation else {
                s.early = outcome
                return (nil, s.worker, s.timer)
            }
            s.continuation = nil
            return (c, s.worker, s.timer)
        }
        continuation?.resume(with: outcome)
        worker?.cancel()
        timer?.cancel()
    }
}
