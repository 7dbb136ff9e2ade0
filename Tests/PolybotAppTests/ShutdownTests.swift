import Foundation
import PolybotCore
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import Testing

/// Issue 14, items 4 and 5 and the drain test, on the real binary: SIGTERM at any moment of start-up or work ends
/// `serve` with exit 0, the embedded PostgreSQL it runs (started, or adopted after a `kill -9`) is stopped, and every
/// signal accepted before the SIGTERM has a persisted outcome.
@Suite("Shutdown", .serialized, .tags(.spawnsProcesses))
struct ShutdownTests {
    func temporaryFolder(_ name: String) -> String {
        "/tmp/polybot-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// A simulator and an environment whose daemon runs its own embedded cluster in a fresh data folder; `body` gets
    /// the environment, the folder and a log file (all removed afterwards).
    func withEmbeddedDatabase(
        _ name: String, _ body: @Sendable (_ env: [String: String], _ data: String, _ log: URL) async throws -> Void
    ) async throws {
        let data = temporaryFolder(name)
        defer { try? FileManager.default.removeItem(atPath: data) }
        let log = URL(fileURLWithPath: data + ".log")
        defer { try? FileManager.default.removeItem(at: log) }
        try await withSimulator(SimExchange(trades: [])) { base, ws in
            try await body(DaemonProcess.environment(base: base, ws: ws, extra: ["POLYBOT_DATA_DIR": data]), data, log)
        }
    }

    @Test(.enabled(if: DaemonProcess.runs, DaemonProcess.missing))
    func sigtermAtAnyMomentOfStartUpExitsZeroAndStopsTheEmbeddedCluster() async throws {
        try await withEmbeddedDatabase("startup") { env, data, log in
            // From the first instant (before the handlers could exist, in the old order) to a running pipeline.
            for delay in [0, 5, 30, 80, 150, 400, 1_500] {
                let daemon = try DaemonProcess.start(["serve", "--migrate"], env: env, log: log)
                try await Task.sleep(for: .milliseconds(delay))  // the moment of the signal, not a wait for a result
                daemon.signal(SIGTERM)
                let ended = await daemon.exit()
                #expect(ended?.reason == .exit && ended?.status == 0, "SIGTERM after \(delay) ms: \(daemon.output())")
                #expect(
                    EmbeddedPostgres.runningPort(dataDirectory: data + "/pg") == nil,
                    "PostgreSQL left running after SIGTERM at \(delay) ms")
            }
        }
    }

    @Test(.enabled(if: DaemonProcess.runs, DaemonProcess.missing))
    func afterKillNineTheNextDaemonAdoptsTheClusterAndStopsIt() async throws {
        try await withEmbeddedDatabase("adopt") { env, data, log in
            let first = try DaemonProcess.start(["serve", "--migrate"], env: env, log: log)
            #expect(
                await eventually(timeout: .processWait) { first.lines(containing: "http.address=") == 1 },
                "\(first.output())")
            first.signal(SIGKILL)
            #expect(await first.exit()?.reason == .uncaughtSignal)
            // The postmaster outlives its starter…
            #expect(EmbeddedPostgres.runningPort(dataDirectory: data + "/pg") != nil)
            // …and the next daemon takes it over, then stops it at its own clean exit.
            let second = try DaemonProcess.start(["serve"], env: env, log: log)
            #expect(
                await eventually(timeout: .processWait) { second.lines(containing: "http.address=") == 2 },
                "\(second.output())")
            #expect(second.lines(containing: "adopted embedded PostgreSQL") == 1)
            second.signal(SIGTERM)
            let ended = await second.exit()
            #expect(ended?.reason == .exit && ended?.status == 0, "\(second.output())")
            #expect(EmbeddedPostgres.runningPort(dataDirectory: data + "/pg") == nil, "\(second.output())")
        }
    }

    /// SIGTERM while signals are being sized, risk-checked and filled (each paper fill waits out a 2 s copy delay):
    /// exit 0, and every signal the consensus stage stored has its outcome written — none is left `new` or `sized`.
    @Test(.enabled(if: DaemonProcess.runs, DaemonProcess.missing))
    func sigtermWithSignalsInFlightDrainsThemAndExitsZero() async throws {
        let whales = (1...3).map { Fixtures.address(0xD0 + $0) }
        let trades = Scenario.consensus(
            signals: 6, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 120)
        let exchange = SimExchange(trades: trades)
        let log = URL(fileURLWithPath: temporaryFolder("drain") + ".log")
        defer { try? FileManager.default.removeItem(at: log) }
        try await withSimulator(exchange) { base, ws in
            try await withNamedTestDatabase { url, store, _ in
                try await DaemonProcess.createBasket("drain", whales: whales, in: store)
                let env = DaemonProcess.environment(
                    base: base, ws: ws, extra: ["DATABASE_URL": url, "POLYBOT_COPY_DELAY_SECONDS": "2"])
                let daemon = try DaemonProcess.start(env: env, log: log)
                #expect(
                    await eventually(timeout: .processWait) { await exchange.rtdsSubscribers > 0 }, "\(daemon.output())"
                )
                await exchange.publishNext(trades.count)
                // The first signal is stored: fills are now waiting on the copy delay.
                #expect(
                    try await eventually(timeout: .processWait) { try await !store.signals.recent(limit: 20).isEmpty })
                daemon.signal(SIGTERM)
                let ended = await daemon.exit()
                #expect(ended?.reason == .exit && ended?.status == 0, "\(daemon.output())")
                #expect(!daemon.output(20_000).contains("finished unexpectedly"))
                let signals = try await store.signals.recent(limit: 20)
                #expect(!signals.isEmpty)
                for s in signals {
                    #expect(!["new", "sized"].contains(s.status), "signal \(s.id) left \(s.status)")
                }
            }
        }
    }
}
