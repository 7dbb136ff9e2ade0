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
        guard let bound = try await boundPort({ port.withLock { $0 } }) else { throw CancellationError() }
        return try await body(bound)
    }
}

/// The port a server reported once it listens: polls `port` until it answers, for at most `limit` (start-up takes
/// milliseconds when the machine is idle; a loaded CI machine gets the minute).
package func boundPort(limit: Duration = .seconds(60), _ port: () -> Int?) async throws -> Int? {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if let p = port() { return p }
        try await Task.sleep(for: .milliseconds(10))
    }
    return port()
}
