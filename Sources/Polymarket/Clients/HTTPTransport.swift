import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// Failures of a Polymarket HTTP call, after retries.
public enum PolymarketHTTPError: Error, Equatable, CustomStringConvertible {
    /// The server answered with an error status; `message` is its `{"error": …}` text when present.
    case status(Int, message: String)
    /// 429 after every retry; `retryAfter` seconds when the server said.
    case rateLimited(retryAfter: Double?)
    /// No answer in time. For a POST this means: the outcome is unknown, look it up before anything else.
    case timeout
    /// Connection-level failure.
    case transport(String)
    /// The body did not decode.
    case decode(FeedDecodeError)
    /// The request could not be built (bad base URL, path, …).
    case invalidRequest(String)
    /// Not sent: the caller's last check, made after every wait for a rate-limit token, refused it.
    case withheld
    /// The matching engine refused new orders for now (HTTP 503): post-only mode after a restart (`code:
    /// "post_only_mode"`, with `retry_after_seconds` and `Retry-After`) or cancel-only mode. Never retried by the transport.
    case restricted(VenueRestriction)

    public var description: String {
        switch self {
        case .status(let code, let message): "HTTP \(code): \(message)"
        case .rateLimited(let after): "rate limited\(after.map { " (retry after \($0) s)" } ?? "")"
        case .timeout: "timed out"
        case .transport(let s): "transport error: \(s)"
        case .decode(let e): "bad response body: \(e)"
        case .invalidRequest(let s): "invalid request: \(s)"
        case .restricted(let r): "HTTP 503 \(r.mode.rawValue): \(r.message)"
        case .withheld: "not sent: the caller's last check refused it"
        }
    }

    /// True for failures worth retrying on an idempotent request.
    var isRetryable: Bool {
        switch self {
        case .rateLimited, .timeout, .transport: true
        case .status(let code, _): code >= 500 || code == 425
        default: false
        }
    }
}

/// Retry with jittered exponential backoff, honouring Retry-After.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    /// Defaults: 5 attempts, 0.25 s doubling to at most 8 s.
    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(8)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The delay before attempt `attempt` (1-based retry count), "full jitter".
    func delay(attempt: Int, retryAfter: Double?) -> Duration {
        if let retryAfter { return .milliseconds(Int64(retryAfter * 1000)) }
        let cap = min(maxDelay.seconds, baseDelay.seconds * pow(2, Double(attempt - 1)))
        return .milliseconds(Int64(Double.random(in: cap / 2...cap) * 1000))
    }
}

/// One HTTP response.
public struct HTTPResult: Sendable {
    public var status: Int
    public var body: Data
    public var headers: [(String, String)]
}

/// The HTTP layer every Polymarket client shares: rate limiting per endpoint family, timeouts, and retries
/// for idempotent requests only. Counts requests, failures and rate-limit hits for the data-health card.
public final class HTTPTransport: Sendable {
    private let client: HTTPClient
    private let ownsClient: Bool
    public let limiter: RateLimiter
    public let retry: RetryPolicy
    public let timeout: Duration
    private let logger: Logger
    public let stats = TransportStats()

    /// Creates a transport over a shared `HTTPClient` (or its own when nil; call ``shutdown()`` then).
    public init(
        client: HTTPClient? = nil, limiter: RateLimiter = RateLimiter(), retry: RetryPolicy = RetryPolicy(),
        timeout: Duration = .seconds(10), logger: Logger
    ) {
        self.client = client ?? HTTPClient(eventLoopGroupProvider: .singleton)
        self.ownsClient = client == nil
        self.limiter = limiter
        self.retry = retry
        self.timeout = timeout
        self.logger = logger
    }

    /// Shuts down the owned HTTP client.
    public func shutdown() async throws {
        if ownsClient { try await client.shutdown() }
    }

    /// Sends a request.
    ///
    /// - Parameters:
    ///   - method: HTTP method.
    ///   - url: full URL including query.
    ///   - headers: extra headers.
    ///   - body: exact body bytes (signed bodies must be sent byte for byte).
    ///   - family: rate-limit family.
    ///   - idempotent: only idempotent requests are retried; a POST /order never is.
    /// - Returns: the response when its status is 2xx.
    /// - Throws: ``PolymarketHTTPError``.
    public func send(
        _ method: HTTPMethod, url: String, headers: [(String, String)] = [], body: String? = nil,
        family: EndpointFamily, idempotent: Bool, lastCheck: (@Sendable () -> Bool)? = nil
    ) async throws(PolymarketHTTPError) -> HTTPResult {
        let attempts = idempotent ? max(1, retry.maxAttempts) : 1
        var lastError = PolymarketHTTPError.transport("not attempted")
        for attempt in 1...attempts {
            do {
                try await limiter.acquire(family)
            } catch {
                throw .transport("cancelled")
            }
            // Whatever the waits above took, the caller decides again right before the bytes leave.
            if let lastCheck, !lastCheck() { throw .withheld }
            let result: Result<HTTPResult, PolymarketHTTPError> = await once(
                method, url: url, headers: headers, body: body)
            switch result {
            case .success(let r):
                stats.record(success: true, rateLimited: false)
                return r
            case .failure(let error):
                stats.record(success: false, rateLimited: { if case .rateLimited = error { true } else { false } }())
                lastError = error
                var retryAfter: Double?
                if case .rateLimited(let after) = error {
                    retryAfter = after
                    if let after { await limiter.penalize(family, for: .milliseconds(Int64(after * 1000))) }
                }
                guard error.isRetryable, attempt < attempts else { throw error }
                let wait = retry.delay(attempt: attempt, retryAfter: retryAfter)
                logger.debug(
                    "retrying request",
                    metadata: [
                        "http.url": "\(url)", "http.error": "\(error)", "http.attempt": "\(attempt)",
                        "http.wait_ms": "\(Int(wait.seconds * 1000))",
                    ])
                do { try await Task.sleep(for: wait) } catch { throw .transport("cancelled") }
            }
        }
        throw lastError
    }

    private func once(
        _ method: HTTPMethod, url: String, headers: [(String, String)], body: String?
    ) async
        -> Result<HTTPResult, PolymarketHTTPError>
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        request.headers.replaceOrAdd(name: "Accept", value: "application/json")
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout.seconds * 1000)))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            let data = Data(buffer: bytes)
            let status = Int(response.status.code)
            let responseHeaders = response.headers.map { ($0.name, $0.value) }
            if (200..<300).contains(status) {
                return .success(HTTPResult(status: status, body: data, headers: responseHeaders))
            }
            if status == 429 {
                let after = response.headers.first(name: "Retry-After").flatMap(Double.init)
                return .failure(.rateLimited(retryAfter: after))
            }
            if status == 503,
                let restriction = VenueRestriction(
                    body: data, retryAfterHeader: response.headers.first(name: "Retry-After").flatMap(Double.init))
            {
                return .failure(.restricted(restriction))
            }
            return .failure(.status(status, message: Self.errorMessage(data)))
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            return .failure(.timeout)
        } catch let error as HTTPClientError where error == .invalidURL || error == .emptyHost || error == .emptyScheme
        {
            return .failure(.invalidRequest("\(url): \(error)"))
        } catch {
            return .failure(.transport(String(describing: error)))
        }
    }

    /// The `error` of a `{"error": "…"}` body, or the body text.
    static func errorMessage(_ data: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let e = object["error"] as? String
        {
            return e
        }
        return String(decoding: data.prefix(500), as: UTF8.self)
    }

    /// Decodes a successful body.
    public static func decode<T: Decodable>(_ type: T.Type, _ result: HTTPResult) throws(PolymarketHTTPError) -> T {
        do { return try WireJSON.decode(type, from: result.body) } catch { throw .decode(error) }
    }
}

/// Request counters for the data-health card and `/metrics`.
public final class TransportStats: Sendable {
    private let counters = Mutex<(ok: Int, failed: Int, rateLimited: Int)>((0, 0, 0))

    func record(success: Bool, rateLimited: Bool) {
        counters.withLock {
            if success { $0.ok += 1 } else { $0.failed += 1 }
            if rateLimited { $0.rateLimited += 1 }
        }
    }

    /// (succeeded, failed, rate-limited) so far.
    public var snapshot: (ok: Int, failed: Int, rateLimited: Int) { counters.withLock { $0 } }
}

/// URL query building with percent-encoding.
public struct Query: Sendable {
    private var items: [URLQueryItem] = []

    /// Empty query.
    public init() {}

    /// Adds a value when non-nil.
    public mutating func add(_ name: String, _ value: String?) {
        if let value { items.append(URLQueryItem(name: name, value: value)) }
    }

    /// Adds an integer when non-nil.
    public mutating func add(_ name: String, _ value: Int?) { add(name, value.map(String.init)) }

    /// `base + path + ?query`.
    public func url(_ base: String, _ path: String) -> String {
        var c = URLComponents(string: base + path)
        if !items.isEmpty { c?.queryItems = items }
        // URLComponents leaves "+" alone; the APIs read it as a space.
        return (c?.url?.absoluteString ?? base + path).replacingOccurrences(of: "+", with: "%2B")
    }
}
