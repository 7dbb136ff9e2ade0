import Hummingbird

/// A route the spec does not list does not exist: a request the router matched to an operation missing from
/// ``OpenAPISpec`` is answered 404 before any handler (or the token check) runs. Decides on what the router matched
/// (`endpointPath`), never on the raw path; requests that matched no route (the dashboard's files, a 404) pass.
package struct SpecMiddleware: RouterMiddleware {
    package typealias Context = APIContext

    /// Creates the middleware.
    package init() {}

    package func handle(
        _ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response
    ) async throws -> Response {
        if let endpoint = context.endpointPath,
            !OpenAPISpec.lists(method: request.method.rawValue, path: endpoint)
        {
            throw APIError.notFound("no such route: \(request.method.rawValue) \(endpoint) is not in the API's spec")
        }
        return try await next(request, context)
    }
}
