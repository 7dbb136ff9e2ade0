import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOWebSocket

/// `GET /api/v1/stream` (WebSocket, `?ticket=…&cursor=<seq>` with a ticket from `POST /api/v1/stream/ticket`, or an
/// `Authorization` header; ``AuthMiddleware`` answers 401 before any upgrade otherwise): whale trades, signals, risk decisions, orders, positions,
/// trading-state and feed changes as `{"seq", "type", "data"}` frames; a reconnect with the last `seq` catches up.
struct StreamController {
    let env: APIEnvironment

    func addRoutes(to router: Router<APIContext>) {
        router.ws("/api/v1/stream") { request, _ -> RouterShouldUpgrade in
            if let c = request.uri.queryParameters.get("cursor"), Int64(c) == nil { return .dontUpgrade }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let cursor = context.request.uri.queryParameters.get("cursor").flatMap { Int64($0) }
            let (id, frames) = env.stream.connect(cursor: cursor)
            defer { env.stream.disconnect(id) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await frame in frames { try await outbound.write(.text(frame)) }
                    // The stream ended without the client leaving: the daemon is shutting down.
                    if !Task.isCancelled { try await outbound.close(.goingAway, reason: "polybot is shutting down") }
                }
                // Client messages are ignored; the loop ends when the client closes.
                for try await _ in inbound.messages(maxSize: 4_096) {}
                group.cancelAll()
            }
        }
    }
}
