import Foundation
import Hummingbird
import PolybotCore
import PolybotStore

/// The routes anyone may call, named by the path pattern the router **matched** (Hummingbird's `endpointPath`, e.g.
/// `/api/v1/whales/{address}`), never by the raw request path: `//api/v1/x`, `/api/v1/x/` and `/api/v1/./x` resolve
/// to the same endpoint as `/api/v1/x` and so get the same decision.
///
/// Deny by default: a route that is not listed here needs a token, including every route added later.
package enum PublicRoutes {
    /// Liveness (no data), the login itself, the API description, and the dashboard's chart library (a public file).
    package static let endpoints: Set<String> = [
        "/health", "/api/v1/login", "/api/v1/openapi.json", ChartLibrary.endpoint,
    ]

    /// True when the matched endpoint is public.
    package static func isPublic(_ endpoint: String) -> Bool { endpoints.contains(endpoint) }
}

/// Authenticates every matched route that is not in ``PublicRoutes``: an operator JWT or the read-only token as a
/// bearer token. The WebSocket stream (`/api/v1/stream`, where browsers cannot set headers) also takes a short-lived,
/// single-use `?ticket=` from `POST /api/v1/stream/ticket`; tokens never travel in a query string.
///
/// Requests that matched no route (the static dashboard's files, or a 404) pass through: no handler runs for them.
/// The read-only token cannot change anything (403 with a message).
package struct AuthMiddleware: RouterMiddleware {
    package typealias Context = APIContext
    let signer: TokenSigner
    let readOnlyToken: String?
    let tickets: StreamTickets
    let now: @Sendable () -> Int64

    /// The stream's endpoint (the only one that accepts a ticket).
    package static let streamEndpoint = "/api/v1/stream"

    /// Creates the middleware.
    package init(
        signer: TokenSigner, readOnlyToken: String?, tickets: StreamTickets,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.signer = signer
        self.readOnlyToken = readOnlyToken
        self.tickets = tickets
        self.now = now
    }

    package func handle(
        _ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response
    ) async throws
        -> Response
    {
        // No route matched: nothing of ours runs (the file middleware or the 404 answer it).
        guard let endpoint = context.endpointPath else { return try await next(request, context) }
        if PublicRoutes.isPublic(endpoint) { return try await next(request, context) }
        var ctx = context
        ctx.role = try authenticate(request, endpoint: endpoint)
        if ctx.role == .readOnly, request.method != .get, request.method != .head {
            throw APIError.forbidden("the read-only token cannot change anything")
        }
        return try await next(request, ctx)
    }

    /// The caller's role, or 401.
    func authenticate(_ request: Request, endpoint: String) throws -> Role {
        if let header = request.headers[.authorization] {
            guard let token = Self.bearerToken(header) else {
                throw APIError.unauthorized("malformed Authorization header: use Bearer <token>")
            }
            guard let role = role(ofToken: token) else { throw APIError.unauthorized("invalid or expired token") }
            return role
        }
        if endpoint == Self.streamEndpoint, let ticket = request.uri.queryParameters.get("ticket") {
            guard let role = tickets.redeem(ticket, now: now()) else {
                throw APIError.unauthorized("invalid, used or expired stream ticket")
            }
            return role
        }
        throw APIError.unauthorized("missing bearer token")
    }

    /// Whether a WebSocket handshake carries a credential that could pass ``authenticate(_:endpoint:)``: a valid bearer
    /// token or an unspent ticket (not spent here). Used by ``GatedWebSocketChannel`` before any routing.
    package func mayUpgrade(authorization: String?, target: String) -> Bool {
        if let header = authorization { return Self.bearerToken(header).flatMap(role(ofToken:)) != nil }
        guard let query = URLComponents(string: target)?.queryItems,
            let ticket = query.first(where: { $0.name == "ticket" })?.value
        else { return false }
        return tickets.isValid(ticket, now: now())
    }

    /// The token of a `Bearer <token>` header; nil when the header has another shape or an empty token.
    static func bearerToken(_ header: String) -> String? {
        guard header.hasPrefix("Bearer ") else { return nil }
        let token = String(header.dropFirst(7))
        return token.isEmpty ? nil : token
    }

    /// The role of a bearer token: the read-only token (compared in constant time) or a valid, unexpired JWT.
    func role(ofToken token: String) -> Role? {
        if let ro = readOnlyToken, Self.constantTimeEquals(token, ro) { return .readOnly }
        return signer.verify(token, now: now())
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in 0..<x.count { d |= x[i] ^ y[i] }
        return d == 0
    }
}
