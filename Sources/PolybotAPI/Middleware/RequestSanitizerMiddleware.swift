import Foundation
import Hummingbird

/// Refuses, with 400, a request whose path or query holds a NUL or another control character (raw or
/// percent-encoded) or a malformed percent escape, and with 414 one whose target is longer than
/// ``maximumTargetLength``. Nothing behind it — the file middleware (`/index.html%00.png`), the router, a handler or
/// PostgreSQL (which refuses NUL in text) — ever sees such a value.
package struct RequestSanitizerMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The longest request target (path and query) accepted, bytes.
    package static var maximumTargetLength: Int { 8_192 }

    /// Creates the middleware.
    package init() {}

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let target = request.uri.description
        guard target.utf8.count <= Self.maximumTargetLength else {
            throw HTTPError(.uriTooLong, message: "request target longer than \(Self.maximumTargetLength) bytes")
        }
        if let problem = Self.problem(in: target) { throw HTTPError(.badRequest, message: problem) }
        return try await next(request, context)
    }

    /// Why a request target is refused, or nil when it is clean.
    package static func problem(in target: String) -> String? {
        if target.utf8.contains(where: isControl) { return "control character in the request target" }
        guard let decoded = target.removingPercentEncoding else {
            return "malformed percent-encoding in the request target"
        }
        if decoded.utf8.contains(where: isControl) { return "control character (such as %00) in the request target" }
        return nil
    }

    private static func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }
}
