import Logging
import Metrics

/// Retries a database write until it succeeds or the task is cancelled (shutdown), backing off from 100 ms to 5 s.
///
/// Used for what the pipeline has accepted and must not lose while PostgreSQL is away: whale trades, signals and their
/// outcomes. While the write waits, the stage waits, and so does everything behind it (the listener's buffer holds the
/// firehose; what overflows it is forgotten and swept up again, see ``TradeListener``). Every failed attempt counts in
/// `errors`; the first one, and every tenth after it, is logged.
///
/// `write` learns whether an earlier attempt failed: a write whose answer was lost may have been applied, so an
/// idempotent insert that then reports "already there" may be this very item.
///
/// - Returns: the write's value, or nil when the task was cancelled before the write succeeded (the caller leaves the
///   item to the restart's backfill or reconciliation, never half-written).
package func untilStored<T: Sendable>(
    isolation: isolated (any Actor)? = #isolation,
    _ what: @autoclosure () -> String, errors: Counter, logger: Logger,
    _ write: (_ retry: Bool) async throws -> T
) async -> T? {
    var attempt = 0
    while !Task.isCancelled {
        do {
            let value = try await write(attempt > 0)
            if attempt > 0 {
                logger.notice("stored after retries", metadata: ["item": "\(what())", "attempts": "\(attempt + 1)"])
            }
            return value
        } catch {
            attempt += 1
            errors.increment()
            if attempt == 1 || attempt % 10 == 0 {
                logger.error(
                    "not stored yet; retrying until the database answers",
                    metadata: ["item": "\(what())", "attempt": "\(attempt)", "error": "\(error)"])
            }
            let backoff = min(5_000, 100 << min(attempt - 1, 6))
            // clock-edge: backoff between retries of a failed database call (wall time by design)
            do { try await Task.sleep(for: .milliseconds(backoff)) } catch { return nil }
        }
    }
    return nil
}
