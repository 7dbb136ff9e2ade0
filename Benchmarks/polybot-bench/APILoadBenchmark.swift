import Foundation
import Hummingbird
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import PolybotAPI
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import PostgresNIO
import Synchronization

/// The API under load on loopback: `wrk` against `/api/v1/overview` and `/api/v1/whales` with 10,000 scored wallets in
/// the database (p50/p99 and req/s from wrk's own latency histogram), and 200 WebSocket clients on `/api/v1/stream`
/// timing each event from publish to receipt.
enum APILoadBenchmark {
    static func run(wallets: Int, seconds: Int) async throws -> [BenchResult] {
        var logger = Logger(label: "bench.api")
        logger.logLevel = .error
        let quiet = logger
        return try await withTestDatabase { store, _ in
            // 10,000 wallets with two score snapshots each, made by the server.
            try await store.benchmarkSeeds.scoredWhales(count: wallets)
            return try await serving(store, logger: quiet) { base, token, stream, port in
                var out: [BenchResult] = []
                for (name, path) in [
                    ("overview", "/api/v1/overview"), ("whales", "/api/v1/whales?limit=50&sort=lowerBound"),
                ] {
                    // Warm-up (discarded): the whale table's first request builds its in-memory snapshot (≈ 1 s for 10,000 wallets).
                    _ = try wrk(url: base + path, token: token, seconds: 4, connections: 1)
                    let r = try wrk(url: base + path, token: token, seconds: seconds)
                    let note =
                        "wrk -t2 -c16 \(seconds)s after a 4 s one-connection warm-up, \(wallets) wallets; \(Int(r.rps)) req/s; p50 \(String(format: "%.2f", r.p50)) ms"
                    out.append(
                        BenchResult(
                            name: "GET \(name) p99", value: r.p99, unit: "ms", target: 10, note: note,
                            lowerIsBetter: true))
                    out.append(
                        BenchResult(
                            name: "GET \(name) throughput", value: r.rps, unit: "req/s", target: 1_000, note: "same run"
                        ))
                }
                out.append(
                    try await fanOut(
                        ws: "ws://127.0.0.1:\(port)/api/v1/stream", token: token, stream: stream, clients: 200,
                        events: 50,
                        logger: quiet))
                return out
            }
        }
    }

    /// Serves the API over `store` on a loopback port and runs `body` with its base URL, an operator token, the event
    /// stream and the port.
    static func serving<T: Sendable>(
        _ store: PolybotStore, logger quiet: Logger,
        _ body: @Sendable (String, String, EventStream, Int) async throws -> T
    ) async throws -> T {
        let stream = EventStream()
        let signer = TokenSigner.random()
        let env = APIEnvironment(
            store: store, mode: .paper, startingEquity: Micros(10_000_000_000), pipeline: nil, stream: stream,
            signer: signer, password: nil, readOnlyToken: nil, configView: { [] }, feedStallSeconds: 30)
        let router = APIRouter.build(
            env: env,
            health: HealthController(
                readiness: { Readiness(database: true, pendingMigrations: []) },
                metrics: { [] }),
            dashboardFolder: nil, logger: quiet)
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router, server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { ch in port.withLock { $0 = ch.localAddress?.port } }, logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            defer { group.cancelAll() }
            var bound: Int?
            while bound == nil {
                try await Task.sleep(for: .milliseconds(10))
                bound = port.withLock { $0 }
            }
            let token = signer.issue(role: .operator_, now: Int64(Date().timeIntervalSince1970))
            return try await body("http://127.0.0.1:\(bound!)", token, stream, bound!)
        }
    }

    /// One GET timed by curl (milliseconds, the whole exchange); a failed request throws.
    static func timedGet(url: String, token: String) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-sf", "-o", "/dev/null", "-w", "%{time_total}", "-H", "Authorization: Bearer \(token)", url]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let seconds = Double(String(decoding: data, as: UTF8.self)) else {
            throw BenchError.requestFailed("GET \(url): curl exit \(p.terminationStatus)")
        }
        return seconds * 1_000
    }

    /// Runs wrk and reads its latency distribution.
    static func wrk(
        url: String, token: String, seconds: Int, connections: Int = 16
    ) throws -> (rps: Double, p50: Double, p99: Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        p.arguments = [
            "-t\(min(2, connections))", "-c\(connections)", "-d\(seconds)s", "--latency", "-H",
            "Authorization: Bearer \(token)", url,
        ]
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("wrk-\(getpid()).txt")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        try handle.close()
        let text = try String(contentsOf: out, encoding: .utf8)
        try? FileManager.default.removeItem(at: out)
        func ms(_ v: String) -> Double {
            if v.hasSuffix("us") { return Double(v.dropLast(2))! / 1000 }
            if v.hasSuffix("ms") { return Double(v.dropLast(2))! }
            if v.hasSuffix("s") { return Double(v.dropLast(1))! * 1000 }
            return .nan
        }
        var p50 = Double.nan
        var p99 = Double.nan
        var rps = Double.nan
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if f.first == "50%", f.count > 1 { p50 = ms(f[1]) }
            if f.first == "99%", f.count > 1 { p99 = ms(f[1]) }
            if f.first == "Requests/sec:", f.count > 1 { rps = Double(f[1]) ?? .nan }
            if line.contains("Non-2xx") { print("wrk: \(line)") }
            // "Socket errors: connect 0, read 0, write 0, timeout 12": requests unanswered within wrk's 2 s are left
            // out of its percentiles, so any at all make the p99 unknown — and not a pass.
            if line.contains("Socket errors"), let t = f.last.flatMap({ Int($0) }), t > 0 {
                print("wrk: \(line)")
                p99 = .infinity
            }
        }
        return (rps, p50, p99)
    }

    /// 200 clients; each event carries its publish time; the worst client's delivery time per event, then the p99 over events.
    static func fanOut(
        ws: String, token: String, stream: EventStream, clients: Int, events: Int, logger: Logger
    ) async throws -> BenchResult {
        let start = ContinuousClock.now
        let published = Shared<[Int: ContinuousClock.Instant]>([:])
        let delays = Shared<[Int: [Duration]]>([:])
        let ready = Shared(0)
        let tasks = (0..<clients).map { _ in
            Task {
                try await WebSocketClient.connect(
                    url: ws, configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]),
                    logger: logger
                ) { inbound, _, _ in
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        let now = ContinuousClock.now
                        if text.contains(#""type":"hello""#) {
                            ready.withLock { $0 += 1 }
                            continue
                        }
                        guard let r = text.range(of: "bench-"),
                            let n = Int(text[r.upperBound...].prefix { $0.isNumber })
                        else { continue }
                        if let at = published.withLock({ $0[n] }) {
                            delays.withLock { $0[n, default: []].append(now - at) }
                        }
                        if n == events - 1 { return }
                    }
                }
            }
        }
        while ready.withLock({ $0 }) < clients, ContinuousClock.now - start < .seconds(30) {
            try await Task.sleep(for: .milliseconds(20))
        }
        for n in 0..<events {
            published.withLock { $0[n] = .now }
            stream.publish(.feed("bench-\(n)"))
            try await Task.sleep(for: .milliseconds(20))
        }
        for t in tasks { _ = try? await t.value }
        let slowest: [Duration] = delays.withLock { d in (0..<events).map { n in (d[n] ?? []).max() ?? .seconds(999) } }
        func millis(_ x: Duration) -> Double {
            Double(x.components.seconds) * 1_000 + Double(x.components.attoseconds) / 1e15
        }
        let worst: [Double] = slowest.map(millis).sorted()
        let delivered = delays.withLock { $0.values.map(\.count).reduce(0, +) }
        let p99 = worst[min(worst.count - 1, Int(Double(worst.count - 1) * 0.99))]
        return BenchResult(
            name: "WebSocket fan-out, slowest of \(clients) clients per event, p99", value: p99, unit: "ms",
            target: 100,
            note:
                "\(events) events, \(delivered)/\(clients * events) deliveries; median of slowest \(String(format: "%.1f", worst[worst.count / 2])) ms",
            lowerIsBetter: true)
    }
}

/// A mutex-guarded value that closures and tasks can share.
final class Shared<T: Sendable>: Sendable {
    private let value: Mutex<T>
    init(_ v: T) { value = Mutex(v) }
    func withLock<R: Sendable>(_ body: (inout sending T) throws -> sending R) rethrows -> R { try value.withLock(body) }
}
