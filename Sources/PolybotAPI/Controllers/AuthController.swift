import Foundation
import Hummingbird
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Synchronization

/// `POST /api/v1/login {"password": …}` → `{"token", "role", "expiresAt"}` (an operator JWT), and
/// `POST /api/v1/stream/ticket` → `{"ticket", "expiresAt"}` (a single-use ticket for the event stream).
///
/// Guessing is throttled (``LoginThrottle``: per client, lockout, global, one check at a time) and answered 429 with
/// `Retry-After`; the first refusal of a client in a minute is audited. A password longer than
/// ``PasswordHash/maximumLength`` is refused before any hashing, and the KDF runs on NIO's blocking thread pool so a
/// flood of logins cannot starve the event loops that answer `/health`.
struct AuthController {
    let env: APIEnvironment
    private let failures = Counter(label: "api.login_failures")
    private let throttled = Counter(label: "api.login_throttled")

    func addRoutes(to router: Router<APIContext>) {
        router.post("/api/v1/login") { request, context -> Response in
            struct Body: Decodable { var password: String }
            let body = try await request.json(Body.self, context: context)
            guard let hash = env.password else {
                throw APIError.unavailable("login is disabled: set POLYBOT_OPERATOR_PASSWORD (or …_FILE)")
            }
            guard body.password.utf8.count <= PasswordHash.maximumLength else {
                throw APIError.badRequest("password longer than \(PasswordHash.maximumLength) bytes")
            }
            let client = context.clientAddress
            let started = env.now()
            switch env.logins.begin(client: client, now: started) {
            case .allowed: break
            case .limited(let retryAfter, let scope):
                throttled.increment()
                if env.loginAuditDedupe.shouldAudit(client: client, now: started) {
                    // Audit failure must not turn a 429 into a 500: the refusal stands either way, and the counter counts it.
                    do {
                        try await env.store.audit.append(
                            actor: "anonymous", action: "login.throttled", target: client,
                            details: #"{"scope":\#(jsonString(scope))}"#)
                    } catch {
                        context.logger.error("login throttle not audited", metadata: ["error": "\(error)"])
                    }
                }
                throw APIError.tooManyRequests(
                    "too many login attempts (\(scope)); retry after \(retryAfter) s", retryAfter: retryAfter)
            }
            let ok: Bool
            do {
                ok = try await hash.matches(body.password)
            } catch {
                env.logins.finished(client: client, success: false, now: env.now())
                throw APIError.unavailable("login is shutting down")
            }
            env.logins.finished(client: client, success: ok, now: env.now())
            guard ok else {
                failures.increment()
                throw APIError.unauthorized("wrong password")
            }
            let now = env.now()
            struct Token: Encodable {
                var token: String
                var role: String
                var expiresAt: Int64
            }
            return try jsonResponse(
                Token(
                    token: env.signer.issue(role: .operator_, now: now), role: Role.operator_.rawValue,
                    expiresAt: now + env.signer.lifetime))
        }
        router.post("/api/v1/stream/ticket") { _, context -> Response in
            guard let role = context.role else { throw APIError.unauthorized("missing bearer token") }
            let issued = env.tickets.issue(role: role, now: env.now())
            struct Ticket: Encodable {
                var ticket: String
                var expiresAt: Int64
            }
            return try jsonResponse(Ticket(ticket: issued.ticket, expiresAt: issued.expiresAt), status: .created)
        }
    }
}

/// Audits at most one throttled login per client per minute (an attacker must not be able to flood the audit log).
package final class LoginAuditDedupe: Sendable {
    private let last = Mutex<[String: Int64]>([:])

    /// Creates the dedupe.
    package init() {}

    func shouldAudit(client: String, now: Int64) -> Bool {
        last.withLock { map in
            if let t = map[client], now - t < 60 { return false }
            if map.count > 10_000 { map = map.filter { now - $0.value < 60 } }
            map[client] = now
            return true
        }
    }
}
