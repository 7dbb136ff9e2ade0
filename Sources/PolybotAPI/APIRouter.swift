import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import PolybotStore

/// Builds the daemon's router: health and metrics, the `/api/v1` routes, the live event WebSocket, and the static
/// dashboard (when its folder is found).
///
/// Middleware, outermost first: security headers (and logged 500s), the request sanitizer (control characters, long
/// targets), metrics, static files, ``SpecMiddleware`` (a matched route the checked-in spec does not list answers 404),
/// then ``AuthMiddleware``; both run after the router has matched a route and decide on that match: every route needs a
/// token unless ``PublicRoutes`` lists it.
package enum APIRouter {
    /// The decoder's limit on one header field and on the header list, bytes (the head limits themselves are in
    /// `RequestHeadLimit`: 8 KiB target → 414, 16 KiB of headers → 431).
    package static let maxHeadBytes = RequestHeadLimit.decoderLimit
    /// The router.
    ///
    /// - Parameters:
    ///   - env: what the API reads and drives.
    ///   - health: `/health`, `/ready`, `/metrics`.
    ///   - dashboardFolder: `dashboard-static/` (nil: no dashboard).
    ///   - settings: the settings centre (nil: read-only view of the configuration only).
    package static func build(
        env: APIEnvironment, health: HealthController, dashboardFolder: String?, settings: SettingsControl? = nil,
        logger: Logger
    ) -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: RequestSanitizerMiddleware())
        router.add(middleware: MetricsMiddleware())
        if let dashboardFolder {
            router.add(middleware: FileMiddleware(dashboardFolder, searchForIndexHtml: true, logger: logger))
        }
        router.add(middleware: SpecMiddleware())
        router.add(
            middleware: AuthMiddleware(
                signer: env.signer, readOnlyToken: env.readOnlyToken, tickets: env.tickets, now: env.now))
        health.addRoutes(to: router)
        // Debian's libjs-chart.js, served from memory: the dashboard's charts (public, like the dashboard's files). The
        // route exists either way (the spec lists it); without the library it answers 404 and the charts stay empty.
        let chart = ChartLibrary.load()
        if chart == nil {
            logger.warning(
                "chart library not found: the dashboard draws no charts (install libjs-chart.js or set POLYBOT_CHARTJS)",
                metadata: ["chart.candidates": "\(ChartLibrary.candidates)"])
        }
        router.get(RouterPath(ChartLibrary.endpoint)) { _, _ -> Response in
            guard let chart else { throw APIError.notFound("chart library not installed (libjs-chart.js)") }
            var headers = HTTPFields()
            headers[.contentType] = "text/javascript; charset=utf-8"
            headers[.cacheControl] = "public, max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: chart))
        }
        router.get("/api/v1/openapi.json") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: OpenAPISpec.document)))
        }
        let directory = WhaleDirectory(store: env.store)
        AuthController(env: env).addRoutes(to: router)
        OverviewController(env: env).addRoutes(to: router)
        WhalesController(env: env, directory: directory).addRoutes(to: router)
        BasketsController(env: env, directory: directory).addRoutes(to: router)
        ActivityController(env: env).addRoutes(to: router)
        MarketsController(env: env).addRoutes(to: router)
        InsightsController(env: env).addRoutes(to: router)
        ClustersController(env: env).addRoutes(to: router)
        BacktestsController(env: env).addRoutes(to: router)
        ControlController(env: env).addRoutes(to: router)
        SettingsController(env: env, control: settings).addRoutes(to: router)
        StreamController(env: env).addRoutes(to: router)
        return router
    }
}

/// The charting library the dashboard uses: Chart.js from Debian's `libjs-chart.js` (no npm, no build step).
package enum ChartLibrary {
    /// Where the dashboard loads it from.
    package static let endpoint = "/vendor/chart.min.js"
    /// `POLYBOT_CHARTJS`, then Debian's path.
    static var candidates: [String] {
        [ProcessInfo.processInfo.environment["POLYBOT_CHARTJS"], "/usr/share/javascript/chart.js/chart.min.js"]
            .compactMap { $0 }
    }

    /// The library's bytes, or nil when it is not installed.
    static func load() -> ByteBuffer? {
        for path in candidates {
            if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
                return ByteBuffer(bytes: data)
            }
        }
        return nil
    }
}

extension APIRouter {
    /// The WebSocket upgrade gate of ``GatedWebSocketChannel``: whether a handshake carries a credential worth trying.
    package static func upgradeGate(env: APIEnvironment) -> @Sendable (HTTPRequestHead) -> Bool {
        let auth = AuthMiddleware(
            signer: env.signer, readOnlyToken: env.readOnlyToken, tickets: env.tickets, now: env.now)
        return { head in auth.mayUpgrade(authorization: head.headers.first(name: "authorization"), target: head.uri) }
    }
}

/// The settings centre's port (implemented by the composition root, which knows how settings are validated).
package struct SettingsControl: Sendable {
    /// The editable settings with their effective values and origins.
    package var current: @Sendable () async -> [ConfigEntry]
    /// Validates, persists, audits and applies changes; throws a message listing every problem.
    package var apply: @Sendable (_ changes: [String: String], _ actor: String) async throws -> [ConfigEntry]

    /// Creates the port.
    package init(
        current: @escaping @Sendable () async -> [ConfigEntry],
        apply: @escaping @Sendable (_ changes: [String: String], _ actor: String) async throws -> [ConfigEntry]
    ) {
        self.current = current
        self.apply = apply
    }
}

/// Refused settings, with every problem.
package struct SettingsRejected: Error, CustomStringConvertible {
    package var problems: [String]
    package init(problems: [String]) { self.problems = problems }
    package var description: String { problems.joined(separator: "; ") }
}

/// `GET/PUT /api/v1/settings`.
struct SettingsController {
    let env: APIEnvironment
    let control: SettingsControl?

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/settings") { _, _ -> Response in
            guard let control else { throw APIError.unavailable("the settings centre is not available") }
            return try jsonResponse(Page(items: await control.current(), next: nil))
        }
        router.put("/api/v1/settings") { request, context -> Response in
            guard let control else { throw APIError.unavailable("the settings centre is not available") }
            let changes = try await request.json([String: String].self, context: context)
            guard !changes.isEmpty else {
                throw APIError.badRequest("no setting to change: send {\"KEY\": \"value\", …}")
            }
            do {
                return try jsonResponse(
                    Page(items: try await control.apply(changes, context.role?.rawValue ?? "operator"), next: nil))
            } catch let e as SettingsRejected {
                throw APIError.badRequest(e.description)
            }
        }
    }
}
