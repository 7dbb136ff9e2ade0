import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PolybotStore

/// The outermost middleware: every answer — a route's, a static file's, or an error's — carries the browser security
/// headers, and an error that is not an HTTP error becomes a logged 500 with no detail for the client (never an
/// unlogged one).
///
/// The content security policy allows no inline script or style and no framing: the dashboard loads `app.js` and
/// `app.css` from its own origin and talks to its own API and WebSocket.
package struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The policy sent with every response.
    package static var contentSecurityPolicy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    /// Creates the middleware.
    package init() {}

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch let error where StoreError.isDatabaseDown(error) {
            // PostgreSQL is away: a bounded, named 503 (the query limit and breaker keep this fast), never a hang.
            context.logger.warning(
                "request refused: database unavailable",
                metadata: ["http.method": "\(request.method)", "http.path": "\(request.uri.path)", "error": "\(error)"])
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.retryAfter] = "5"
            response = Response(
                status: .serviceUnavailable, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"database unavailable","retryable":true}"#)))
        } catch {
            context.logger.error(
                "request failed",
                metadata: ["http.method": "\(request.method)", "http.path": "\(request.uri.path)", "error": "\(error)"])
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            response = Response(
                status: .internalServerError, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"internal error"}"#)))
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return response
    }
}
