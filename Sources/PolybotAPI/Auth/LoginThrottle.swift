import Synchronization

/// Limits on password guessing (pure; time is passed in, in seconds):
/// - per client (remote IP): a token bucket of ``Limits/clientBurst`` attempts refilled one per
///   ``Limits/clientRefillSeconds``, and a lockout of ``Limits/lockoutSeconds`` after ``Limits/lockoutAfter``
///   consecutive failures (a success clears them);
/// - for everyone together: a bucket of ``Limits/globalBurst`` refilled one per ``Limits/globalRefillSeconds``,
///   so many clients at once cannot turn the KDF into a denial of service;
/// - at most ``Limits/concurrent`` password checks run at once; more are refused rather than queued.
package struct LoginThrottle: Sendable {
    /// The limits.
    package struct Limits: Sendable {
        package var clientBurst = 5.0
        package var clientRefillSeconds = 12.0
        package var lockoutAfter = 10
        package var lockoutSeconds: Int64 = 900
        package var globalBurst = 20.0
        package var globalRefillSeconds = 1.0
        package var concurrent = 1
        /// Clients remembered at most (the least recently seen are forgotten first).
        package var maxClients = 10_000

        /// The defaults above.
        package init() {}
    }

    /// The answer to one attempt.
    package enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; try again after this many seconds. `scope` names the limit (`client`, `lockout`, `global`, `busy`).
        case limited(retryAfter: Int64, scope: String)
    }

    private struct Bucket {
        var tokens: Double
        var at: Double

        mutating func take(burst: Double, refill: Double, now: Double) -> Double? {
            tokens = min(burst, tokens + (now - at) / refill)
            at = now
            if tokens >= 1 {
                tokens -= 1
                return nil
            }
            return (1 - tokens) * refill
        }
    }

    private struct Client {
        var bucket: Bucket
        var failures = 0
        var lockedUntil: Int64 = 0
        var seen: Int64
    }

    package let limits: Limits
    private var clients: [String: Client] = [:]
    private var global: Bucket
    private var running = 0

    /// Creates a throttle.
    package init(limits: Limits = Limits()) {
        self.limits = limits
        global = Bucket(tokens: limits.globalBurst, at: 0)
    }

    /// Asks to check one password from `client` at `now`; on `.allowed` the caller must call ``finished(client:success:now:)``.
    package mutating func begin(client: String, now: Int64) -> Decision {
        let t = Double(now)
        var c = clients[client] ?? Client(bucket: Bucket(tokens: limits.clientBurst, at: t), seen: now)
        c.seen = now
        defer { clients[client] = c }
        if c.lockedUntil > now { return .limited(retryAfter: c.lockedUntil - now, scope: "lockout") }
        if running >= limits.concurrent { return .limited(retryAfter: 1, scope: "busy") }
        if let wait = c.bucket.take(burst: limits.clientBurst, refill: limits.clientRefillSeconds, now: t) {
            return .limited(retryAfter: Int64(wait.rounded(.up)), scope: "client")
        }
        if let wait = global.take(burst: limits.globalBurst, refill: limits.globalRefillSeconds, now: t) {
            return .limited(retryAfter: Int64(wait.rounded(.up)), scope: "global")
        }
        running += 1
        if clients.count >= limits.maxClients { forgetOldest() }
        return .allowed
    }

    /// The check that ``begin(client:now:)`` allowed has finished.
    package mutating func finished(client: String, success: Bool, now: Int64) {
        running = max(0, running - 1)
        guard var c = clients[client] else { return }
        if success {
            c.failures = 0
        } else {
            c.failures += 1
            if c.failures >= limits.lockoutAfter {
                c.lockedUntil = now + limits.lockoutSeconds
                c.failures = 0
            }
        }
        clients[client] = c
    }

    private mutating func forgetOldest() {
        let keep = limits.maxClients / 2
        let sorted = clients.sorted { $0.value.seen > $1.value.seen }
        clients = Dictionary(uniqueKeysWithValues: sorted.prefix(keep).map { ($0.key, $0.value) })
    }
}

/// A ``LoginThrottle`` shared by the request handlers.
package final class LoginGuard: Sendable {
    private let state: Mutex<LoginThrottle>

    /// Creates a guard.
    package init(limits: LoginThrottle.Limits = .init()) { state = Mutex(LoginThrottle(limits: limits)) }

    /// See ``LoginThrottle/begin(client:now:)``.
    package func begin(client: String, now: Int64) -> LoginThrottle.Decision {
        state.withLock { $0.begin(client: client, now: now) }
    }

    /// See ``LoginThrottle/finished(client:success:now:)``.
    package func finished(client: String, success: Bool, now: Int64) {
        state.withLock { $0.finished(client: client, success: success, now: now) }
    }
}
