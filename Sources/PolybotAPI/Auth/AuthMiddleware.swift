import Foundation
import PolybotCore
import PolybotPipeline
import PolybotStore
import Hummingbird

/// Every route but `/health`, the login, the OpenAPI document and the static dashboard files (no data in them) needs a
/// bearer token: an operator JWT or the read-only token (which is what a Prometheus scraper or a readiness probe uses). Browsers cannot set headers on a WebSocket, so `/api/v1/stream` also accepts
/// `?token=`. The read-only token cannot change anything (405-free: 403 with a message).
package struct AuthMiddleware: RouterMiddleware {
    package typealias Context = APIContext
    let signer: TokenSigner
    let readOnlyToken: String?
    let now: @Sendable () -> Int64

    /// Creates the middleware.
    package init(signer: TokenSigner, readOnlyToken: String?, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.signer = signer
        self.readOnlyToken = readOnlyToken
        self.now = now
    }

    package func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let protected = (path.hasPrefix("/api/") && path != "/api/v1/login" && path != "/api/v1/openapi.json")
            || path == "/ready" || path == "/metrics"
        guard protected else { return try await next(request, context) }
        var token: String?
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") { token = String(header.dropFirst(7)) }
        if token == nil, path == "/api/v1/stream" { token = request.uri.queryParameters.get("token") }
        guard let token, !token.isEmpty else { throw APIError.unauthorized("missing bearer token") }
        var ctx = context
        if let ro = readOnlyToken, Self.constantTimeEquals(token, ro) {
            ctx.role = .readOnly
        } else if let role = signer.verify(token, now: now()) {
            ctx.role = role
        } else {
            throw APIError.unauthorized("invalid or expired token")
        }
        if ctx.role == .readOnly, request.method != .get, request.method != .head {
            throw APIError.forbidden("the read-only token cannot change anything")
        }
        return try await next(request, ctx)
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in 0..<x.count { d |= x[i] ^ y[i] }
        return d == 0
    }
}
