import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PolybotApp
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import PostgresNIO
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing

/// A running daemon (`buildServiceGroup`, the same composition as `polybot serve`) against the simulator and a fresh
/// test database, reachable over real HTTP/WebSocket on 127.0.0.1.
struct Daemon: Sendable {
    let base: String
    let ws: String
    let store: PolybotStore
    let exchange: SimExchange
    let http: HTTPClient
    /// Asks the daemon to shut down gracefully and returns once its service group has finished: true when every
    /// service stopped within the daemon's own graceful-shutdown limit (none had to be cancelled).
    let stop: @Sendable () async -> Bool
    static let password = "correct horse battery"
    static let readOnly = "read-only-token-0123456789"

    /// A request; returns (status, body).
    @discardableResult
    func call(
        _ method: NIOHTTP1.HTTPMethod, _ path: String, token: String? = nil, body: String? = nil
    ) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), Data(buffer: bytes))
    }

    /// JSON of a 2xx response (fails the test otherwise).
    func json(
        _ method: NIOHTTP1.HTTPMethod = .GET, _ path: String, token: String?, body: String? = nil
    ) async throws -> [String: Any] {
        let (status, data) = try await call(method, path, token: token, body: body)
        guard (200..<300).contains(status) else {
            throw HarnessError.status(status, String(decoding: data, as: UTF8.self))
        }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// A single-use ticket for the event stream.
    func streamTicket(_ token: String) async throws -> String {
        try await json(.POST, "/api/v1/stream/ticket", token: token)["ticket"] as? String ?? ""
    }

    /// Logs in as the operator.
    func login() async throws -> String {
        let j = try await json(.POST, "/api/v1/login", token: nil, body: #"{"password":"\#(Self.password)"}"#)
        return j["token"] as? String ?? ""
    }
}

enum HarnessError: Error {
    case status(Int, String)
    case noPort
}

/// A fresh migrated test database, or the given server's.
private func withDatabase<T: Sendable>(
    _ url: String?, _ body: @Sendable (String, PolybotStore) async throws -> T
) async throws -> T {
    guard let url else { return try await withNamedTestDatabase { url, store, _ in try await body(url, store) } }
    let logger = Logger(label: "test.store")
    let client = PostgresClient(configuration: try DatabaseURL(url).clientConfiguration(), backgroundLogger: logger)
    return try await client.whileRunning { client in
        try await body(url, PolybotStore(client: client, logger: logger, queryLimit: .seconds(testQueryLimitSeconds)))
    }
}

/// Runs the daemon in `mode` for `body`, then shuts it down gracefully. With `databaseURL` the daemon (and the test's
/// store) use that server, already migrated, instead of a fresh database on the shared test server.
func withDaemon<T: Sendable>(
    mode: String = "paper", exchange: SimExchange, extra: [String: String] = [:], databaseURL: String? = nil,
    _ body: @Sendable (Daemon) async throws -> T
) async throws -> T {
    try await withSimulator(exchange) { simBase, simWS in
        try await withDatabase(databaseURL) { url, store in
            var env: [String: String] = [
                "DATABASE_URL": url, "POLYBOT_PORT": "0", "POLYBOT_MODE": mode, "POLYBOT_LOG_LEVEL": "warning",
                "POLYBOT_DASHBOARD_DIR": SharedData.repositoryRoot.appendingPathComponent("dashboard-static").path,
                "POLYBOT_DATA_API_URL": simBase + "/data-api", "POLYBOT_GAMMA_URL": simBase + "/gamma",
                "POLYBOT_CLOB_URL": simBase + "/clob",
                "POLYBOT_RTDS_URL": simWS + "/ws", "POLYBOT_CLOB_WS_URL": simWS + "/clob-ws",
                "POLYBOT_OPERATOR_PASSWORD": Daemon.password, "POLYBOT_READONLY_TOKEN": Daemon.readOnly,
                "POLYBOT_SIZING_MODE": "fixed", "POLYBOT_RISK_MAX_POSITION_PCT": "100",
                "POLYBOT_RISK_MAX_EXPOSURE_USDC": "100000",
                "POLYBOT_RISK_MAX_POSITIONS_PER_EVENT": "100", "POLYBOT_STARTING_EQUITY_USDC": "100000",
                "POLYBOT_COPY_DELAY_SECONDS": "0",
                "POLYBOT_MARK_SECONDS": "1", "POLYBOT_FEED_STALL_SECONDS": "3",
            ]
            // On the shared test server a query waits for whatever else the test run does (throwaway clusters starting,
            // databases copied): a generous limit, so only a database that is really down counts as unavailable. The
            // outage tests bring their own cluster (`databaseURL`) and keep the production limit.
            if databaseURL == nil { env["POLYBOT_DB_QUERY_SECONDS"] = "\(testQueryLimitSeconds)" }
            // `$SIM` / `$WS` in a value stand for the simulator's HTTP and WebSocket base (e.g. its `/rpc`).
            for (k, v) in extra {
                env[k] = v.replacingOccurrences(of: "$SIM", with: simBase).replacingOccurrences(of: "$WS", with: simWS)
            }
            let config = try AppConfiguration(source: ConfigurationSource(environment: env))
            var logger = Logger(label: "test.daemon")
            logger.logLevel = .warning
            let client = PostgresClient(
                configuration: try DatabaseURL(url).clientConfiguration(), backgroundLogger: logger)
            let transport = HTTPTransport(
                retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200)),
                timeout: .seconds(2), logger: logger)
            let port = Mutex<Int?>(nil)
            let runner = ServiceGroupRunner()
            let group = try PolybotApp.buildServiceGroup(
                config: config, client: client, registry: PrometheusCollectorRegistry(), logger: logger,
                transport: transport,
                pipeline: config.pipelineSettings(), live: nil, passwordRounds: 1 << 14,
                groupLogger: runner.logger(logger),
                onServerRunning: { ch in port.withLock { $0 = ch.localAddress?.port } })
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            runner.start(group)
            // The daemon's own limit is 8 s of graceful shutdown, then cancellation; 60 s means a service ignores both.
            let stop: @Sendable () async -> Bool = {
                await runner.stop(group)
                return !runner.escalatedToCancellation
            }
            let result: Result<T, any Error>
            do {
                // Start-up (migrations included) takes well under a second when idle; a loaded machine gets 60 s.
                var bound: Int?
                let deadline = ContinuousClock.now + .seconds(60)
                while bound == nil, !runner.hasFinished, ContinuousClock.now < deadline {
                    bound = port.withLock { $0 }
                    if bound == nil { try await Task.sleep(for: .milliseconds(10)) }
                }
                guard let p = bound else { throw HarnessError.noPort }
                result = .success(
                    try await body(
                        Daemon(
                            base: "http://127.0.0.1:\(p)", ws: "ws://127.0.0.1:\(p)", store: store,
                            exchange: exchange, http: http, stop: stop)))
            } catch {
                result = .failure(error)
            }
            await runner.stop(group)
            try? await http.shutdown()
            try? await transport.shutdown()
            return try result.get()
        }
    }
}
