import Foundation
import Hummingbird
import PolybotCore
import PolybotStore

/// API failures, answered as `{"error": "…"}` with their status.
package enum APIError: Error, HTTPResponseError {
    case badRequest(String)
    case unauthorized(String)
    case forbidden(String)
    case notFound(String)
    case conflict(String)
    case unavailable(String)
    case tooLarge(String)
    /// 429 with `Retry-After` (seconds).
    case tooManyRequests(String, retryAfter: Int64)

    package var status: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .unavailable: .serviceUnavailable
        case .tooLarge: .contentTooLarge
        case .tooManyRequests: .tooManyRequests
        }
    }

    var message: String {
        switch self {
        case .badRequest(let m), .unauthorized(let m), .forbidden(let m), .notFound(let m), .conflict(let m),
            .unavailable(let m),
            .tooLarge(let m), .tooManyRequests(let m, _):
            m
        }
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if case .unauthorized = self { headers[.wwwAuthenticate] = "Bearer" }
        if case .tooManyRequests(_, let seconds) = self { headers[.retryAfter] = "\(max(1, seconds))" }
        let body = (try? JSONEncoder().encode(["error": message])) ?? Data(#"{"error":"error"}"#.utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
