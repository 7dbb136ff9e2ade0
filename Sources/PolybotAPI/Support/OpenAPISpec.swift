import Foundation

/// The API's checked-in spec (`Sources/PolybotAPI/openapi.json`, built into the binary by `EmbedFilesPlugin`): the
/// daemon serves it byte for byte at `/api/v1/openapi.json`, and ``SpecMiddleware`` answers 404 for any matched route
/// it does not list, so the served spec cannot drift from what the router answers.
package enum OpenAPISpec {
    /// One operation of the spec.
    package struct Route: Sendable, Hashable {
        /// Lower-case HTTP method (`get`, `post`, …).
        package var method: String
        /// The path as the router matches it (`/api/v1/whales/{address}`).
        package var path: String
        /// Whether it needs a token (`security` not empty).
        package var auth: Bool
        /// The names of its JSON body's properties.
        package var body: [String]
    }

    /// The spec's bytes, exactly as checked in.
    package static let document: [UInt8] = {
        guard let file = EmbeddedOpenAPI.files.first, let data = Data(base64Encoded: file.base64) else {
            // A build of this repository always embeds it; a damaged one must not serve an API it cannot describe.
            fatalError("the API spec built into this binary does not decode; rebuild it")
        }
        return Array(data)
    }()

    /// Every operation of the spec.
    package static let routes: [Route] = {
        guard let doc = try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any],
            let paths = doc["paths"] as? [String: [String: Any]]
        else { fatalError("the API spec built into this binary is not an OpenAPI document") }
        var out: [Route] = []
        for (path, operations) in paths {
            for (method, value) in operations {
                guard let op = value as? [String: Any] else { continue }
                let security = op["security"] as? [Any] ?? [["bearer": []]]
                let body =
                    (op["requestBody"] as? [String: Any]).flatMap {
                        (($0["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                            as? [String: Any]
                    }.flatMap { $0["properties"] as? [String: Any] }.map { Array($0.keys).sorted() } ?? []
                out.append(Route(method: method.lowercased(), path: path, auth: !security.isEmpty, body: body))
            }
        }
        return out.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }()

    private static let index: Set<String> = Set(routes.map { $0.method + " " + $0.path })

    /// Whether the spec lists `method` (any case) on the matched `path`; HEAD counts as the path's GET.
    package static func lists(method: String, path: String) -> Bool {
        let m = method.lowercased()
        return index.contains(m + " " + path) || (m == "head" && index.contains("get " + path))
    }
}
