import Foundation
import Hummingbird
import NIOCore
import PolybotCore
import PolybotStore

/// What `/ready` reports.
package struct Readiness: Sendable, Codable {
    /// The database answered `SELECT 1`.
    package var database: Bool
    /// Migrations not yet applied (`nil` when they could not be checked).
    package var pendingMigrations: [String]?
    /// Ready means the database answers and no migration is pending.
    package var ready: Bool { database && pendingMigrations?.isEmpty == true }

    /// Creates a report.
    package init(database: Bool, pendingMigrations: [String]?) {
        self.database = database
        self.pendingMigrations = pendingMigrations
    }
}

/// `/health` (process alive), `/ready` (database reachable, schema current) and `/metrics` (Prometheus text).
package struct HealthController: Sendable {
    /// Computes readiness on demand.
    package let readiness: @Sendable () async -> Readiness
    /// Renders the Prometheus exposition text.
    package let metrics: @Sendable () -> [UInt8]

    /// Creates the controller.
    package init(readiness: @escaping @Sendable () async -> Readiness, metrics: @escaping @Sendable () -> [UInt8]) {
        self.readiness = readiness
        self.metrics = metrics
    }

    /// Mounts the routes.
    package func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/health") { _, _ -> Response in
            Self.json(.ok, #"{"status":"ok"}"#)
        }
        router.get("/ready") { _, _ -> Response in
            let report = await readiness()
            var fields: [String] = ["\"ready\":\(report.ready)", "\"database\":\(report.database)"]
            if let pending = report.pendingMigrations {
                let names = pending.map { "\"\($0)\"" }.joined(separator: ",")
                fields.append("\"pendingMigrations\":[\(names)]")
            } else {
                fields.append("\"pendingMigrations\":null")
            }
            return Self.json(report.ready ? .ok : .serviceUnavailable, "{" + fields.joined(separator: ",") + "}")
        }
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics())))
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
