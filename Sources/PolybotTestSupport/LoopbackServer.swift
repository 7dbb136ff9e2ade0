import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Runs a Hummingbird app on 127.0.0.1 (ephemeral port) for the duration of `body`, which receives the port.
package func withLoopbackServer<T: Sendable>(
    router: Router<BasicWebSocketRequestContext>, webSocket: Bool = false,
    _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    let port = Mutex<Int?>(nil)
    let app = Application(
        router: router,
        server: webSocket ? .http1WebSocketUpgrade(webSocketRouter: router) : .http1(),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
        logger: Logger(label: "test.server"))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        defer { group.cancelAll() }
        var bound: Int?
        for _ in 0..<200 {
            bound = port.withLock { $0 }
            if bound != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let bound else { throw CancellationError() }
        return try await body(bound)
    }
}
