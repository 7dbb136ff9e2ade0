import Foundation
import PolybotCore
import PolybotPipeline
import PolybotStore
import Hummingbird
import Metrics

/// `POST /api/v1/login {"password": …}` → `{"token", "role", "expiresAt"}` (an operator JWT).
struct AuthController {
    let env: APIEnvironment
    private let failures = Counter(label: "api.login_failures")

    func addRoutes(to router: Router<APIContext>) {
        router.post("/api/v1/login") { request, context -> Response in
            struct Body: Decodable { var password: String }
            let body = try await request.json(Body.self, context: context)
            guard let hash = env.password else {
                throw APIError.unavailable("login is disabled: set POLYBOT_OPERATOR_PASSWORD (or …_FILE)")
            }
            guard hash.matches(body.password) else {
                failures.increment()
                // Why 300 ms: slows password guessing to a crawl without bothering a human.
                try await Task.sleep(for: .milliseconds(300))
                throw APIError.unauthorized("wrong password")
            }
            let now = env.now()
            struct Token: Encodable { var token: String; var role: String; var expiresAt: Int64 }
            return try jsonResponse(Token(token: env.signer.issue(role: .operator_, now: now), role: Role.operator_.rawValue,
                                          expiresAt: now + env.signer.lifetime))
        }
    }
}
