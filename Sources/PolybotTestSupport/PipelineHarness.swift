import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket
import ServiceLifecycle
import Testing

/// Pipeline settings for tests: the design's rules with caps wide enough that only what a test is about can deny.
package func testPipelineSettings(
    mode: RunMode, base: String, ws: String, sizing: SizingMode = .fixed(Micros(50_000_000))
) -> PipelineSettings {
    var limits = RiskLimits()
    limits.maxPositionBps = 10_000
    limits.maxPositionsPerEvent = 100
    limits.maxExposure = Micros(1_000_000_000_000)
    limits.maxOrdersPerMinute = 100_000
    return PipelineSettings(
        mode: mode, whaleRules: WhaleRules(), consensusRule: ConsensusRule(), sizingMode: sizing, riskLimits: limits,
        startingEquity: Micros(100_000_000_000), copyDelay: .milliseconds(50),
        orderLifetimeSeconds: 300,
        approvalTimeToLive: .seconds(900), markEvery: .milliseconds(500), orderPollEvery: .milliseconds(300),
        feedStallTimeout: .seconds(30), rtdsURL: ws + "/ws", clobWSURL: ws + "/clob-ws")
}

/// ``testPipelineSettings(mode:base:ws:sizing:)`` with trades from the simulator's chain alone: final at once (no
/// confirmations), read over its `/rpc` WebSocket, no Data API sweep.
package func chainPipelineSettings(base: String, ws: String) -> PipelineSettings {
    var settings = testPipelineSettings(mode: .paper, base: base, ws: ws)
    settings.feedSources = [.chain]
    settings.polygonWSURL = ws + "/rpc"
    settings.chainConfirmations = 0
    settings.feedSweepEvery = nil
    return settings
}

/// Live-trading setup against the simulator: derives API credentials for `key` over L1 auth.
package func simulatorLiveTrading(base: String, key: PrivateKey, logger: Logger) async throws -> LiveTrading {
    let transport = HTTPTransport(logger: logger)
    defer { Task { try? await transport.shutdown() } }
    let creds = try await ClobClient(baseURL: base + "/clob", transport: transport).createOrDeriveApiKey(
        key: key, chainId: 137)
    return LiveTrading(key: key, credentials: creds, domain: ExchangeDomain.forVersion(2, chainId: 137)!)
}

/// Runs the whole pipeline (listener to executor, trackers, startup reconciliation) against the simulator at
/// `base` for `body`, then shuts it down gracefully (the stages drain).
package func withPipeline<T: Sendable>(
    settings: PipelineSettings, store: PolybotStore, base: String, live: LiveTrading? = nil,
    requestTimeout: Duration = .seconds(2),
    logger: Logger = Logger(label: "test.pipeline"), _ body: @Sendable (Pipeline) async throws -> T
) async throws -> T {
    let transport = HTTPTransport(
        retry: RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200)),
        timeout: requestTimeout, logger: logger)
    var clob = ClobClient(baseURL: base + "/clob", transport: transport)
    if let live { clob.auth = (live.credentials, live.key.address) }
    let pipeline = try Pipeline.build(
        settings: settings, store: store, clob: clob,
        dataAPI: DataAPIClient(baseURL: base + "/data-api", transport: transport),
        // The chain source reads the simulator's /rpc; otherwise no RPC, as before it existed.
        rpc: settings.feedSources.contains(.chain) ? PolygonRPC(url: base + "/rpc", transport: transport) : nil,
        live: live,
        gamma: GammaClient(baseURL: base + "/gamma", transport: transport), logger: logger)
    let runner = ServiceGroupRunner()
    var configuration = ServiceGroupConfiguration(
        services: pipeline.services.map { .init(service: $0) }, logger: runner.logger(logger))
    // Stages drain within seconds; one still running after 30 s is a bug the test reports (below), then cancelled.
    configuration.maximumGracefulShutdownDuration = .seconds(30)
    let group = ServiceGroup(configuration: configuration)
    runner.start(group)
    let result: Result<T, any Error>
    do { result = .success(try await body(pipeline)) } catch { result = .failure(error) }
    if await runner.stop(group), runner.escalatedToCancellation {
        Issue.record(
            "a pipeline stage did not stop within 30 s of the graceful shutdown; the group's log:\n\(runner.log)")
    }
    try? await transport.shutdown()
    return try result.get()
}

extension Duration {
    /// The explicit long wait of a test that waits on a child process (a `polybot` started, migrated, subscribed) or
    /// on a database outage to pass, or on a catch-up of many round trips (a chain source reading a history in refused
    /// and halved windows): such steps are slow on a loaded machine. Everything else waits the default 15 s.
    package static let processWait = Duration.seconds(60)
}

/// Waits until `condition` holds, polling every 50 ms; false after `timeout`. The timeout is only where a test gives
/// up, never a measure of speed: 60 s by default, so a loaded machine is slow but not failing (longer waits say so,
/// e.g. ``Swift/Duration/processWait``).
package func eventually(
    timeout: Duration = .seconds(60), _ condition: @Sendable () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        // A cancelled wait answers at once (its sleep would throw at once, and the loop would spin until the deadline).
        do { try await Task.sleep(for: .milliseconds(50)) } catch { break }
    }
    return try await condition()
}

/// Waits until `count` reaches `target`, polling every 50 ms, for as long as it keeps moving: false once it has not
/// changed for `stall`, or at once when it passes `target`. A catch-up of many rows on a loaded machine is slow but
/// moving; a stuck or a double-counting one is not.
package func eventually(
    reaching target: Int, stall: Duration = .processWait, _ count: @Sendable () async throws -> Int
) async rethrows -> Bool {
    var last = try await count()
    var lastChange = ContinuousClock.now
    while last < target {
        if ContinuousClock.now - lastChange > stall { return false }
        do { try await Task.sleep(for: .milliseconds(50)) } catch { break }
        let now = try await count()
        if now != last { (last, lastChange) = (now, ContinuousClock.now) }
    }
    return last == target
}
