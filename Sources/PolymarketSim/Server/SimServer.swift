import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import PolybotCore
import Polymarket
import ServiceLifecycle

/// The HTTP/WebSocket face of the simulator, on one port with a prefix per service:
///
/// | service | base URL |
/// |---|---|
/// | Data API | `http://HOST:PORT/data-api` |
/// | Gamma | `http://HOST:PORT/gamma` |
/// | CLOB REST | `http://HOST:PORT/clob` (L2 HMAC is checked on the path without the prefix) |
/// | RTDS | `ws://HOST:PORT/ws` |
/// | CLOB market / user channels | `ws://HOST:PORT/clob-ws/market`, `ws://HOST:PORT/clob-ws/user` |
/// | Polygon RPC | `http://HOST:PORT/rpc` |
/// | geoblock | `http://HOST:PORT/api/geoblock` |
/// | control | `POST /_sim/faults`, `POST /_sim/publish?count=N`, `GET /_sim/status` |
public enum SimServer {
    /// Builds the router over an exchange.
    public static func router(exchange: SimExchange, logger: Logger) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        let faults = FaultMiddleware<BasicWebSocketRequestContext>(exchange: exchange)
        SimDataAPIRoutes.add(to: router.group("data-api").add(middleware: faults), exchange: exchange)
        SimGammaRoutes.add(to: router.group("gamma").add(middleware: faults), exchange: exchange)
        let clob = router.group("clob").add(middleware: faults)
        SimClobRoutes.add(to: clob, exchange: exchange)
        SimClobPriceRoutes.add(to: clob, exchange: exchange)
        SimClobAccountRoutes.add(to: clob, exchange: exchange)
        SimClobAccountRoutes.addGeoblock(to: router, exchange: exchange)
        SimRPCRoutes.add(to: router, exchange: exchange)
        SimControlRoutes.add(to: router, exchange: exchange)
        SimSocketRoutes.add(to: router, exchange: exchange, logger: logger)
        return router
    }

    /// The application on `host:port` (port 0 picks a free one; `onServerRunning` receives the bound port).
    public static func application(
        exchange: SimExchange, host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        -> some ApplicationProtocol
    {
        let router = router(exchange: exchange, logger: logger)
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(maxFrameSize: 1 << 22)),
            configuration: .init(address: .hostname(host, port: port), serverName: "polymarket-sim"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// JSON response helper.
    static func json(
        _ body: String, status: HTTPResponse.Status = .ok, headers extra: [(String, String)] = []
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        for (name, value) in extra { if let n = HTTPField.Name(name) { headers[n] = value } }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// `{"error": …}` with a status.
    static func error(_ message: String, status: HTTPResponse.Status, headers: [(String, String)] = []) -> Response {
        json("{\"error\":\(SimJSON.string(message))}", status: status, headers: headers)
    }
}

/// Applies the REST faults: 429 bursts with Retry-After, a 5xx rate, added latency.
struct FaultMiddleware<Context: RequestContext>: RouterMiddleware {
    let exchange: SimExchange

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        switch await exchange.admit() {
        case .rateLimited(let after):
            var r = SimServer.error("Too Many Requests", status: .tooManyRequests)
            r.headers[.retryAfter] = after == after.rounded() ? String(Int(after)) : String(after)
            return r
        case .unavailable:
            return SimServer.error("Service Unavailable", status: .serviceUnavailable)
        case .serve(let latency):
            if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
            return try await next(request, context)
        }
    }
}

extension Request {
    /// A query parameter as a string.
    func query(_ name: String) -> String? { uri.queryParameters[Substring(name)].map(String.init) }

    /// Header values by lower-cased name.
    var lowercasedHeaders: [String: String] {
        var out: [String: String] = [:]
        for field in headers { out[field.name.canonicalName] = field.value }
        return out
    }
}
