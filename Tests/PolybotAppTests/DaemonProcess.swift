import Foundation
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import Testing

/// The `polybot` binary run as a child process (what an operator and the container runtime run), with its output
/// appended to a log file the test can read.
struct DaemonProcess {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/polybot").path
    /// Under CI a missing binary fails the test instead of skipping it (a safety test must not pass by absence).
    static let runs =
        FileManager.default.isExecutableFile(atPath: binary) || ProcessInfo.processInfo.environment["CI"] != nil
    static let missing = Comment(rawValue: "needs the polybot binary: swift build first")

    let process: Process
    let log: URL

    /// The daemon's environment against the simulator at `base`/`ws` (paper mode, fixed $50 orders, roomy limits).
    static func environment(base: String, ws: String, extra: [String: String] = [:]) -> [String: String] {
        var env = [
            "POLYBOT_PORT": "0", "POLYBOT_MODE": "paper",
            "POLYBOT_DATA_API_URL": base + "/data-api", "POLYBOT_GAMMA_URL": base + "/gamma",
            "POLYBOT_CLOB_URL": base + "/clob", "POLYBOT_RTDS_URL": ws + "/ws", "POLYBOT_CLOB_WS_URL": ws + "/clob-ws",
            "POLYBOT_SIZING_MODE": "fixed", "POLYBOT_FIXED_ORDER_USDC": "50", "POLYBOT_RISK_MAX_POSITION_PCT": "100",
            "POLYBOT_RISK_MAX_EXPOSURE_USDC": "100000", "POLYBOT_STARTING_EQUITY_USDC": "100000",
            "POLYBOT_RISK_MAX_POSITIONS_PER_EVENT": "100", "POLYBOT_RESCORE_AT": "off",
            // Network tests stay on loopback: the live startup's geoblock check asks the simulator.
            "POLYBOT_GEOBLOCK_URL": base + "/api/geoblock",
            // Live start-up reads the outcome-token approvals (and redeems) through the simulator's RPC.
            "POLYBOT_POLYGON_RPC_URL": base + "/rpc",
            // Child daemons query the shared test server, slow while the rest of the run loads it (see
            // `testQueryLimitSeconds`); the outage tests run in-process daemons on clusters of their own.
            "POLYBOT_DB_QUERY_SECONDS": "\(testQueryLimitSeconds)",
        ]
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// The simulator account's signing key (a fixed test key, never a real one).
    static let testKeyHex = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"

    /// The settings of live mode with the simulator account `live` (derived from ``testKeyHex``).
    static func liveMode(_ live: LiveTrading, keyHex: String = testKeyHex) -> [String: String] {
        var env = [
            "POLYBOT_MODE": "live", "POLY_PRIVATE_KEY": keyHex,
            "POLY_API_KEY": live.credentials.apiKey, "POLY_API_SECRET": live.credentials.secret,
            "POLY_PASSPHRASE": live.credentials.passphrase,
        ]
        if live.signatureType != .eoa, let funder = live.funder {
            env["POLY_SIGNATURE_TYPE"] = String(live.signatureType.rawValue)
            env["POLY_FUNDER"] = funder.checksummed
        }
        if let owner = live.otherKeys.first {
            env["POLY_OWNER_ADDRESS"] = owner.address.checksummed
            env["POLY_OWNER_API_KEY"] = owner.credentials.apiKey
            env["POLY_OWNER_API_SECRET"] = owner.credentials.secret
            env["POLY_OWNER_PASSPHRASE"] = owner.credentials.passphrase
        }
        return env
    }

    /// A basket of `whales` (each also added to the whales table), for daemons started as processes.
    static func createBasket(_ name: String, whales: [Address], in store: PolybotStore) async throws {
        let basket = try await store.baskets.create(Basket(name: name))
        for w in whales {
            try await store.whales.upsert(Whale(address: w))
            try await store.baskets.upsertMember(basketId: basket.id, BasketMember(wallet: w))
        }
    }

    /// Starts `polybot` with `arguments` and `env`, output appended to `log`.
    static func start(_ arguments: [String] = ["serve"], env: [String: String], log: URL) throws -> DaemonProcess {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "no polybot binary at \(binary)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        var environment = env
        environment["PATH"] = environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        p.environment = environment
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return DaemonProcess(process: p, log: log)
    }

    /// The log so far (its last `limit` characters).
    func output(_ limit: Int = 3_000) -> String {
        String(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).suffix(limit))
    }

    /// How many log lines contain `text`.
    func lines(containing text: String) -> Int {
        String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).split(separator: "\n")
            .filter { $0.contains(text) }.count
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// The HTTP port of the latest start logged to this file (`http.address=…:PORT`), nil before it listens.
    func port() -> Int? {
        let text = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        guard let line = text.split(separator: "\n").last(where: { $0.contains("http.address=") }),
            let field = line.split(separator: " ").first(where: { $0.hasPrefix("http.address=") }),
            let port = field.split(separator: ":").last.flatMap({ Int($0) })
        else { return nil }
        return port
    }

    /// As an operator after reading the reconciliation report: logs in with `password` and sets trading `active`.
    /// Returns the HTTP status of the change (200, or 409/503 when the daemon refuses).
    func resumeTrading(password: String) async throws -> Int {
        try await setTradingState("active", password: password)
    }

    /// As an operator: logs in with `password` and puts `PUT /api/v1/trading-state` `{"state": state}`; the status.
    func setTradingState(_ state: String, password: String) async throws -> Int {
        let listening = self.port()
        let port = try #require(listening, "daemon not listening: \(output())")
        let login = try await RawHTTP.send(
            port: port, method: "POST", target: "/api/v1/login", body: #"{"password":"\#(password)"}"#,
            timeout: .processWait)
        let json = try JSONSerialization.jsonObject(with: Data(login.body.utf8)) as? [String: Any]
        let token = try #require(json?["token"] as? String, "login: \(login.status) \(login.body)")
        return try await RawHTTP.send(
            port: port, method: "PUT", target: "/api/v1/trading-state",
            headers: [("Authorization", "Bearer \(token)")], body: #"{"state":"\#(state)","reason":"test"}"#,
            timeout: .processWait
        ).status
    }

    /// Waits for the process to end (at most `timeout`; then it is killed and nil returned).
    func exit(within timeout: Duration = .seconds(30)) async -> (reason: Process.TerminationReason, status: Int32)? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            await sleepIgnoringCancellation(.milliseconds(20))  // polls the child's exit up to the deadline
        }
        return (process.terminationReason, process.terminationStatus)
    }
}
