import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The database is not answering: a query took longer than the limit, the connection failed, or an earlier failure
/// is too recent to try again yet. The API answers 503 with this reason; the pipeline waits and retries.
package struct DatabaseUnavailable: Error, CustomStringConvertible, Equatable {
    /// Why, for logs and the 503 body.
    package var reason: String
    package var description: String { "database unavailable: \(reason)" }
}

/// Whether the database answered lately — a small circuit breaker shared by every query of one client. After a
/// connection failure or a time-out, callers fail at once (``DatabaseUnavailable``) for `coolDown`, then one probe goes
/// through; its success closes the breaker. SQL errors (a constraint, a syntax error) are the server answering and do
/// not count. Without it every request would wait out the whole limit while PostgreSQL is down.
package final class DatabaseHealth: Sendable {
    private struct State {
        var downSince: ContinuousClock.Instant?
        var retryAt: ContinuousClock.Instant?
        var probing = false
        var lastError = ""
    }
    private let state = Mutex(State())
    private let coolDown: Duration

    /// Creates the breaker.
    package init(coolDown: Duration = .seconds(1)) { self.coolDown = coolDown }

    /// True when the last query answered (or none failed yet).
    package var isUp: Bool { state.withLock { $0.downSince == nil } }

    /// Throws ``DatabaseUnavailable`` while the breaker is open; lets one probe through after the cool-down.
    ///
    /// - Returns: whether this call is that probe (its outcome must be reported, even a cancellation).
    @discardableResult
    func admit() throws(DatabaseUnavailable) -> Bool {
        let (refusal, probe) = state.withLock { s -> (String?, Bool) in
            guard s.downSince != nil else { return (nil, false) }
            // clock-edge: the circuit breaker's cool-down is wall time (a database edge)
            if s.probing || (s.retryAt.map { ContinuousClock.now < $0 } ?? false) { return (s.lastError, false) }
            s.probing = true
            return (nil, true)
        }
        if let refusal { throw DatabaseUnavailable(reason: refusal) }
        return probe
    }

    /// The probe's caller gave up before an answer: the next caller probes instead.
    func abandoned(probe: Bool) {
        guard probe else { return }
        state.withLock { $0.probing = false }
    }

    func succeeded() {
        state.withLock { s in
            s.downSince = nil
            s.retryAt = nil
            s.probing = false
        }
    }

    /// Records a failure; returns whether it counts against the database (as opposed to a server-side SQL error).
    @discardableResult
    func failed(_ error: any Error, probe: Bool) -> Bool {
        // The caller gave up (its request ended, a shutdown): says nothing about the database.
        if error is CancellationError || Task.isCancelled {
            abandoned(probe: probe)
            return false
        }
        if let psql = error as? PSQLError, psql.serverInfo != nil {
            // The server answered (with an error): it is up.
            succeeded()
            return false
        }
        state.withLock { s in
            s.downSince = s.downSince ?? .now  // clock-edge: outage timing (a database edge)
            s.retryAt = .now + coolDown  // clock-edge: circuit-breaker cool-down
            s.probing = false
            s.lastError = (error as? DatabaseUnavailable)?.reason ?? "\(error)"
        }
        return true
    }
}

extension Duration {
    /// The query limit of batch work (rescoring, replays): long, but still a limit.
    package static let batchQueryLimit: Duration = .seconds(300)
}

/// What every repository queries through: postgres-nio's `PostgresClient` with a time limit on each query and the
/// ``DatabaseHealth`` breaker in front, so a dead PostgreSQL costs a caller at most `limit` (then milliseconds while
/// the breaker is open) instead of the pool's long connection retries. Transactions pass the breaker but are not
/// raced against the limit (their body runs on the leased connection; PostgreSQL's own timeouts end them).
package struct BoundedPostgresClient: Sendable {
    /// The pool (its `run()` is a service of the daemon's group).
    package let pool: PostgresClient
    /// The longest a query may take, waiting for a connection included.
    package let limit: Duration
    /// The breaker shared by every copy of this client.
    package let health: DatabaseHealth

    /// Wraps a pool.
    package init(pool: PostgresClient, limit: Duration = .seconds(5), health: DatabaseHealth = DatabaseHealth()) {
        self.pool = pool
        self.limit = limit
        self.health = health
    }

    /// Runs a query within the limit.
    ///
    /// - Throws: ``DatabaseUnavailable`` (time-out or open breaker) or the query's own error.
    @discardableResult
    package func query(
        _ query: PostgresQuery, logger: Logger? = nil, file: String = #fileID, line: Int = #line
    ) async throws -> PostgresRowSequence {
        let probe = try health.admit()
        let pool = self.pool
        let limit = self.limit
        do {
            // Not a task group: it would wait for a query postgres-nio does not cancel once sent (see `bounded`).
            let rows = try await bounded(limit, timeout: { DatabaseUnavailable(reason: "no answer within \(limit)") }) {
                try await pool.query(query, logger: logger ?? Logger(label: "postgres"), file: file, line: line)
            }
            health.succeeded()
            return rows
        } catch {
            health.failed(error, probe: probe)
            throw error
        }
    }

    /// Runs `body` in a transaction (behind the breaker).
    package func withTransaction<T>(
        logger: Logger, file: String = #file, line: Int = #line,
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        let probe = try health.admit()
        do {
            let value = try await pool.withTransaction(logger: logger, file: file, line: line, body)
            health.succeeded()
            return value
        } catch {
            health.failed(error, probe: probe)
            throw error
        }
    }

    /// Runs `body` on a leased connection (behind the breaker).
    package func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let probe = try health.admit()
        do {
            let value = try await pool.withConnection(body)
            health.succeeded()
            return value
        } catch {
            health.failed(error, probe: probe)
            throw error
        }
    }
}
