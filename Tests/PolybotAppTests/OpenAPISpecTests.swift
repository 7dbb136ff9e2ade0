import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PolybotAPI
import PolybotCore
import PolybotStore
import PolybotTestSupport
import PostgresNIO
import Synchronization
import Testing

/// The checked-in spec is the API: the router registers exactly the operations it lists, the daemon serves it byte
/// for byte, and a route someone registers without adding it to the spec does not exist (404, no handler runs).
@Suite("The API's spec is the checked-in file")
struct OpenAPISpecTests {
    static let file = SharedData.repositoryRoot.appendingPathComponent("Sources/PolybotAPI/openapi.json")

    /// The daemon's router over a store that is never reached (the routes tried here touch no database).
    static func router() -> Router<APIContext> {
        let client = PostgresClient(
            configuration: .init(
                host: "127.0.0.1", port: 1, username: "none", password: nil, database: nil, tls: .disable))
        let env = APIEnvironment(
            store: PolybotStore(client: client, logger: Logger(label: "test.spec")), mode: .paper, startingEquity: .one,
            pipeline: nil, stream: EventStream(), signer: .random(), password: nil, readOnlyToken: nil,
            configView: { [] }, feedStallSeconds: 30)
        return APIRouter.build(
            env: env,
            health: HealthController(
                readiness: { Readiness(database: true, pendingMigrations: []) }, metrics: { [] }),
            dashboardFolder: nil, logger: Logger(label: "test.spec"))
    }

    @Test func theRouterRegistersExactlyTheSpecsOperations() throws {
        let registered = Set(Self.router().routes.map { "\($0.method.rawValue.lowercased()) \($0.path.description)" })
        let documented = Set(OpenAPISpec.routes.map { "\($0.method) \($0.path)" })
        #expect(registered.subtracting(documented).isEmpty, "registered, not in the spec")
        #expect(documented.subtracting(registered).isEmpty, "in the spec, not registered")
        #expect(documented.count >= 45)
        // Deny by default, and the spec says the same: exactly the public endpoints have no security.
        let open = Set(OpenAPISpec.routes.filter { !$0.auth }.map(\.path))
        #expect(open == PublicRoutes.endpoints)
    }

    @Test func theServedSpecIsTheCheckedInFileAndAnUndocumentedRouteDoesNotExist() async throws {
        let router = Self.router()
        // What a careless change would do: register a handler and forget the spec.
        let reached = Counter()
        router.get("/api/v1/undocumented") { _, _ -> Response in
            reached.add()
            return Response(status: .ok)
        }
        let checkedIn = try Data(contentsOf: Self.file)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Array(response.body.readableBytesView) == Array(checkedIn))
            }
            try await client.execute(uri: "/api/v1/undocumented", method: .get) { response in
                #expect(response.status == .notFound)
            }
            // A documented route still answers (public, no database needed).
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(reached.value == 0, "the undocumented handler ran")
    }
}

/// A count readable after the handlers ran.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
