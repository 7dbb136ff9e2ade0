import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The daemon's pipeline in paper mode over a recorded history, on market time: what `polybot replay` and
/// `polybot backtest` both run.
///
/// A throwaway embedded database, a ``ReplayClock`` driven by a ``ReplayFeed`` (each trade handled to the end before
/// the next), fills from the recorded tape (``TapeFills``: the prints after the copy delay, within the limit, a share
/// of each), fees from the markets' schedules. The sizer's view of a market (tick, minimum size, neg-risk, the price
/// to set a limit from) is ``HistoryBooks``' at the point of the history asked for; no fill is taken from it.
/// The run may carry a schedule (`every`) that runs inline on market time — the backtest's walk-forward rescoring —
/// and a resolution port that says what was known when (positions settle at their market's resolution time).
package enum PaperEngine {
    /// What to run.
    package struct Run: Sendable {
        package var rows: [Trade]
        /// Books and fee schedules of the history's markets.
        package var history: HistoryBooks
        package var speed: Double?
        package var minMembers: Int
        package var whaleMinNotional: Micros?
        /// The basket's members at the start (manual members: they count whatever their class).
        package var members: [Address]
        /// Snapshots stored before the start (what Kelly sizing reads).
        package var scores: [WalletScore]
        /// Whether a market is resolved at a market time (Unix seconds); nil = never during the run.
        package var resolution: @Sendable (String, Int64) -> (closed: Bool, winner: String?)? = { _, _ in nil }
        /// Who is one trader, over market time (the consensus counts one vote per cluster).
        package var clusters = WalletClusters(links: [])
        /// A schedule on market time: its interval and body (store, basket id, market time in seconds).
        package var every: (interval: Duration, body: @Sendable (PolybotStore, Int64, Int64) async throws -> Void)?

        /// Creates a run.
        package init(
            rows: [Trade], history: HistoryBooks, speed: Double?, minMembers: Int, whaleMinNotional: Micros?,
            members: [Address], scores: [WalletScore]
        ) {
            self.rows = rows
            self.history = history
            self.speed = speed
            self.minMembers = minMembers
            self.whaleMinNotional = whaleMinNotional
            self.members = members
            self.scores = scores
        }
    }

    /// The books of a history's markets, each market with its schedule from the fee plan.
    package static func history(_ rows: [Trade], fees plan: FeePlan) -> HistoryBooks {
        let markets = HistoryCatalog.build(trades: rows, resolutions: []).mapValues { m in
            var m = m
            m.fees = plan.fees(for: m)
            return m
        }
        return HistoryBooks(history: rows, markets: markets)
    }

    /// Where the run's replay clock starts (milliseconds): one second before the first trade. The schedule's ticks are
    /// the multiples of its interval after it.
    package static func clockStartMs(_ rows: [Trade]) -> Int64 { ((rows.first?.timestamp ?? 0) - 1) * 1_000 }

    /// Runs the pipeline over the history, then `finish` on the store (at the last market time) for the report.
    ///
    /// - Throws: database errors, an error of the schedule (the run stops), and what `finish` throws.
    package static func run<Result: Sendable>(
        config: AppConfiguration, _ run: Run, logger: Logger,
        finish: @escaping @Sendable (PolybotStore, Int64) async throws -> Result
    ) async throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "polybot-replay-\(getpid())-\(UUID().uuidString.prefix(8))"
        ).path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        // Removed when the run ends, or by the interrupted exit (Ctrl-C) with its cluster.
        StartedClusters.throwaway(dir)
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            StartedClusters.removed(dir)
        }
        var dbConfig = config
        dbConfig.databaseURL = nil
        dbConfig.dataDirectory = dir
        let database = try await DatabaseLifecycle.open(dbConfig, throwaway: true, logger: logger)
        if let used = database.embedded?.dataDirectory, !used.hasPrefix(dir) { StartedClusters.throwaway(used) }
        defer {
            database.close(logger: logger)
            // A throwaway cluster is removed wherever it had to live: when the postgres user cannot reach the temporary
            // folder, `EmbeddedPostgres` falls back to /var/tmp/polybot-pg-<hash>, which the folder above is not.
            if let used = database.embedded?.dataDirectory, !used.hasPrefix(dir) {
                StartedClusters.removed(used)
                do { try FileManager.default.removeItem(atPath: used) } catch {
                    logger.warning(
                        "throwaway cluster not removed", metadata: ["pg.data_dir": "\(used)", "error": "\(error)"])
                }
            }
        }
        try await database.withClient(logger: logger) { client in
            try await DatabaseLifecycle.migrationRunner(config, client: client, logger: logger).apply()
        }
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let store = PolybotStore(client: client, logger: logger, queryLimit: .batchQueryLimit)
        let transport = HTTPTransport(logger: logger)
        defer { Task { try? await transport.shutdown() } }
        let history = run.history
        let rows = run.rows

        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }

            let b = try await store.baskets.create(Basket(name: "paper", minMembers: run.minMembers))
            for w in run.members {
                try await store.whales.upsert(Whale(address: w, label: "basket"))
                try await store.baskets.upsertMember(basketId: b.id, BasketMember(wallet: w))
            }
            try await store.scores.insertSnapshots(run.scores, runId: nil)

            // Fills come from the prints that follow (``TapeFills``), depleted by this run's own fills.
            let tape = Mutex(
                TapeFills(trades: rows, participationBps: config.tapeParticipationBps))
            let clock = ReplayClock(startMs: clockStartMs(rows))
            let work = WorkGauge()
            let cursor = ReplayCursor()
            let resolution = run.resolution
            let market = MarketPorts(
                book: { token in
                    guard let b = history.book(token: token, through: cursor.index, atMs: clock.nowMs()) else {
                        throw ReplayError.unknownToken(token)
                    }
                    return b
                },
                bookAt: { token, atMs in
                    // Now (or earlier): the history up to the trade being delivered; later: up to that market time.
                    let through = atMs <= clock.nowMs() ? cursor.index : Int.max
                    guard let b = history.book(token: token, through: through, atMs: atMs) else {
                        throw ReplayError.unknownToken(token)
                    }
                    return b
                },
                fees: { conditionId in
                    guard let m = history.markets[conditionId] else { throw MarketFeeError.unknownMarket(conditionId) }
                    return m.fees.map { $0.enabled ? $0.schedule : .free } ?? .free
                },
                resolution: { conditionId in resolution(conditionId, clock.now()) },
                tape: { order in tape.withLock { $0.fill(order) } })
            var settings = config.pipelineSettings()
            settings.mode = .paper
            if let m = run.whaleMinNotional {
                // A member's stance is at least one whale trade's worth: a lower threshold would otherwise still need
                // the configured net notional, and no smaller trade could ever agree.
                settings.whaleRules.minNotional = m
                settings.consensusRule.minNetNotional = m
            }
            settings.consensusRule.minMembers = run.minMembers
            settings.copyDelay = .seconds(config.copyDelaySeconds)
            settings.rtdsURL = nil
            settings.clobWSURL = nil
            settings.feedSweepEvery = nil
            settings.pendingStateFile = nil
            let (done, doneSignal) = AsyncStream<Void>.makeStream()
            // The pipeline registers two schedules (reservation sweeps, marks) once it has reconciled and started.
            let expectedSchedules = 2 + (run.every == nil ? 0 : 1)
            let ready: @Sendable () async -> Void = {
                while clock.schedules < expectedSchedules {
                    do { try await Task.sleep(for: .milliseconds(5)) } catch { return }  // clock-edge: start-up wait
                }
            }
            let failure = ScheduleFailure()
            // The schedule is the run's only writer of baskets and scores: the stages hear of its changes from it.
            let announce = Announcement()
            if let every = run.every {
                group.addTask {
                    await clock.every(every.interval) {
                        guard failure.error == nil else { return }
                        do {
                            try await every.body(store, b.id, clock.now())
                            await announce.send()
                        } catch {
                            // The run cannot go on without its schedule (a backtest without its rescoring would
                            // measure nothing): record the error, stop delivering, and throw it after shutdown.
                            failure.error = error
                            logger.error("paper run schedule failed; stopping", metadata: ["error": "\(error)"])
                            doneSignal.yield()
                        }
                    }
                }
            }
            let relevance = ReplayRelevance()
            let clusters = ClusterTimeline(run.clusters)
            let feed = ReplayFeed(
                trades: rows, clock: clock, work: work, cursor: cursor, relevance: relevance, speed: run.speed,
                tailMs: (Int64(config.copyDelaySeconds) + settings.orderLifetimeSeconds + 60) * 1000,
                ready: ready, finished: { doneSignal.yield() })
            let pipeline = try Pipeline.build(
                settings: settings, store: store,
                clob: ClobClient(baseURL: "http://127.0.0.1:9/unused", transport: transport), dataAPI: nil, rpc: nil,
                live: nil, logger: logger,
                engine: PipelineEngine(
                    clock: clock, work: work, feed: feed, market: market, relevance: relevance,
                    clusters: { clusters.view(at: $0) }, announcedChanges: true))
            relevance.set { pipeline.mayMatter($0) }
            announce.set {
                await pipeline.basketsChanged()
                await pipeline.scoresChanged()
            }
            let services = ServiceGroup(
                configuration: .init(services: pipeline.services.map { .init(service: $0) }, logger: logger))
            group.addTask { try await services.run() }
            var it = done.makeAsyncIterator()
            _ = await it.next()
            await services.triggerGracefulShutdown()
            if let error = failure.error { throw error }
            if work.underflows > 0 {
                logger.error("replay barrier miscounted", metadata: ["underflows": "\(work.underflows)"])
            }
            return try await finish(store, clock.now())
        }
    }

    /// The clusters read forward in market time by the consensus stage (one stage, times that only grow; an earlier
    /// time is answered from the start).
    private final class ClusterTimeline: Sendable {
        private let state: Mutex<WalletClusters>

        init(_ clusters: WalletClusters) { state = Mutex(clusters) }

        func view(at time: Int64) -> ClusterView {
            state.withLock { c in
                if let last = c.advancedTo, time < last { return c.view(at: time) }
                c.advance(to: time)
                return c.view
            }
        }
    }

    /// What the schedule calls after its writes (set once the pipeline exists). The closure is boxed: one kept directly
    /// in a `Mutex` and read back on every tick is re-wrapped in a thunk at each read on this toolchain
    /// (``ReplayRelevance``).
    private final class Announcement: Sendable {
        private final class Box: Sendable {
            let f: @Sendable () async -> Void
            init(_ f: @escaping @Sendable () async -> Void) { self.f = f }
        }

        private let box = Mutex<Box?>(nil)

        func set(_ f: @escaping @Sendable () async -> Void) { box.withLock { $0 = Box(f) } }

        func send() async { await box.withLock { $0 }?.f() }
    }

    /// The first error of a schedule, shared between the schedule's task and the run.
    private final class ScheduleFailure: Sendable {
        private let state = Mutex<(any Error)?>(nil)
        var error: (any Error)? {
            get { state.withLock { $0 } }
            set { state.withLock { $0 = newValue } }
        }
    }
}
