import Foundation
import Logging
import PolybotCore
import PolybotStore
import Polymarket

/// `polybot backfill --chain --from-block N [--to-block M]`: whale trades from the V2 exchanges' `OrderFilled` logs of
/// a block range, read with `eth_getLogs` in windows (halved when the node refuses one for its size), stored once per
/// trade (a row another source stored gains `chain` in its sources), resumable per block: progress is saved after
/// every stored batch of windows (``StoreBatches``) under the range's first block, and a run from the same first block
/// resumes after the last saved block.
public enum ChainBackfillCommand {
    /// When a batch of windows goes to the store: once it holds `rows` rows or `windows` windows, whichever comes
    /// first (the store's batch insert is cheaper per row in large batches: 34,298 rows/s storing every fill window by
    /// window, 10,000 rows each, against 39,087 in batches). A batch's checkpoint is saved right after its rows, so an
    /// interrupted run reads again at most the batch being stored and the one being gathered.
    package struct StoreBatches: Sendable {
        package var rows = 50_000
        package var windows = 20
        package init(rows: Int = 50_000, windows: Int = 20) {
            self.rows = rows
            self.windows = windows
        }
    }
    /// What a run did.
    public struct Summary: Sendable, Equatable, CustomStringConvertible {
        public var from: Int64
        public var to: Int64
        /// Where this run started (after a saved block when it resumed).
        public var resumedAt: Int64?
        public var windows = 0
        /// Batches of windows handed to the store (each with its checkpoint).
        public var batches = 0
        public var logs = 0
        public var trades = 0
        public var whaleTrades = 0
        public var stored = 0
        public var refusals = 0
        public var seconds = 0.0
        /// Where the time went: reading ranges (`eth_getLogs` and headers), decoding them, waiting for the store.
        public var readSeconds = 0.0
        public var decodeSeconds = 0.0
        public var storeWaitSeconds = 0.0

        public var description: String {
            "blocks \(from)–\(to)\(resumedAt.map { " (resumed at \($0))" } ?? ""): \(windows) windows, \(logs) logs, "
                + "\(trades) fills, \(whaleTrades) whale-sized, \(stored) new rows, \(refusals) ranges refused; "
                + String(
                    format: "%.1f s (reading %.1f s, decoding %.1f s, waiting for the store %.1f s)", seconds,
                    readSeconds,
                    decodeSeconds, storeWaitSeconds)
        }
    }

    /// A refused invocation.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The progress row of a chain backfill from `from`: one per first block, so another range never borrows it.
    static func progressSource(from: Int64) -> String { "backfill:\(from)" }

    /// Runs against the configured database, Polygon RPC and Gamma.
    public static func run(
        config: AppConfiguration, from: Int64, to: Int64?, minNotional: Micros?, logger: Logger,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> String {
        guard let url = config.polygonRPCURL else {
            throw Failure(description: "--chain reads eth_getLogs over POLYBOT_POLYGON_RPC_URL; set it")
        }
        guard from >= 0, to.map({ $0 >= from }) ?? true else {
            throw Failure(description: "--from-block must be ≥ 0 and --to-block ≥ --from-block")
        }
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        let transport = HTTPTransport(logger: logger)
        defer { Task { try? await transport.shutdown() } }
        let reader = ChainRangeReader(
            rpc: PolygonRPC(url: url, transport: transport),
            tokens: GammaTokenDirectory(gamma: GammaClient(baseURL: config.gammaURL, transport: transport)))
        return try await database.withClient(logger: logger) { client in
            let runner = try DatabaseLifecycle.migrationRunner(config, client: client, logger: logger)
            let pending = try await runner.pending()
            guard pending.isEmpty else { throw MigrationError.pending(pending.map(\.name)) }
            let store = PolybotStore(client: client, logger: logger, queryLimit: .batchQueryLimit)
            return try await backfill(
                store: store, reader: reader, from: from, to: to,
                confirmations: Int64(config.feeds.chainConfirmations),
                minNotional: minNotional ?? config.whaleMinNotional, progress: progress
            ).description
        }
    }

    /// The walk itself (tests and the benchmark call it with their own store and reader).
    ///
    /// - Parameters:
    ///   - to: the last block (nil: the head less `confirmations`; never above it).
    ///   - window: blocks per `eth_getLogs` at most.
    package static func backfill(
        store: PolybotStore, reader: ChainRangeReader, from: Int64, to: Int64?, confirmations: Int64,
        minNotional: Micros, window: Int64 = 500, batches: StoreBatches = StoreBatches(),
        progress: @Sendable (String) -> Void
    ) async throws -> Summary {
        let started = ContinuousClock.now  // clock-edge: the run's duration, reported only
        let final = try await reader.rpc.blockNumber() - confirmations
        let last = min(to ?? final, final)
        guard last >= from else {
            throw Failure(
                description:
                    "block \(from) has fewer than \(confirmations) confirmations yet (head \(final + confirmations))")
        }
        let checkpoints = ChainProgressRepository(db: store.db, source: progressSource(from: from))
        var summary = Summary(from: from, to: last)
        var start = from
        if let saved = try await checkpoints.load(), saved.block >= from, saved.block < last {
            start = saved.block + 1
            summary.resumedAt = start
        } else if let saved = try await checkpoints.load(), saved.block >= last, saved.block >= from {
            summary.resumedAt = saved.block + 1
            return summary  // this range is done
        }
        let rules = WhaleRules(minNotional: minNotional)
        var cursor = ChainCursor(processed: start - 1, confirmations: 0, window: window)
        // Rows are stored in batches of windows (``StoreBatches``) while the next windows are read; a batch's
        // checkpoint (its last window's) is saved by the same task right after its rows, never before.
        var storing: Task<Int, any Error>?
        var pending: [Trade] = []
        var pendingWindows = 0
        func seconds(since t: ContinuousClock.Instant) -> Double {
            let d = ContinuousClock.now - t  // clock-edge: where the run's time went, reported only
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        func finishStoring() async throws {
            guard let s = storing else { return }
            storing = nil
            let t = ContinuousClock.now  // clock-edge: reported only
            summary.stored += try await s.value
            summary.storeWaitSeconds += seconds(since: t)
        }
        // The next window is read while this one is decoded (a node answers while we compute).
        var reading: (range: ClosedRange<Int64>, task: Task<Window, any Error>)?
        defer {
            // An error leaves no read or write running behind the run (its window is read again on resume).
            reading?.task.cancel()
            storing?.cancel()
        }
        func read(_ range: ClosedRange<Int64>) -> (range: ClosedRange<Int64>, task: Task<Window, any Error>) {
            (range, Task { try await Window.read(range, reader: reader) })
        }
        if let first = cursor.nextRange(head: last) { reading = read(first) }
        while let current = reading {
            let t0 = ContinuousClock.now  // clock-edge: reported only
            let window: Window
            do { window = try await current.task.value } catch ChainRPCError.tooManyResults(let why) {
                guard cursor.refused() else { throw ChainRPCError.tooManyResults(why) }
                summary.refusals += 1
                reading = cursor.nextRange(head: last).map(read)
                continue
            }
            summary.readSeconds += seconds(since: t0)
            cursor.commit(current.range, hashes: [:], trades: [:])
            reading = cursor.nextRange(head: last).map(read)
            let t1 = ContinuousClock.now  // clock-edge: reported only
            let decoded = try await reader.decode(window.logs, minNotional: minNotional)
            let trades = decoded.ordered
            let whales = trades.filter { rules.evaluate($0).passes }
            summary.decodeSeconds += seconds(since: t1)
            pending += whales
            pendingWindows += 1
            if pending.count >= batches.rows || pendingWindows >= batches.windows || reading == nil {
                try await finishStoring()
                let batch = pending
                let checkpoint = ChainCheckpoint(block: current.range.upperBound, hash: window.end.hash)
                summary.batches += 1
                // Two connections for a large batch: the write overlaps the next windows' read and decode.
                storing = Task {
                    let stored = batch.isEmpty ? 0 : try await store.trades.insertBatch(batch, parallel: true)
                    try await checkpoints.save(checkpoint)
                    return stored
                }
                pending = []
                pendingWindows = 0
            }
            summary.windows += 1
            summary.logs += window.logs.count
            summary.trades += trades.count
            summary.whaleTrades += whales.count
            if summary.windows % 20 == 0 || current.range.upperBound == last {
                let done = Double(current.range.upperBound - from + 1) / Double(last - from + 1) * 100
                progress(
                    String(
                        format: "block %lld of %lld (%.1f %%): %d fills, %d whale-sized, %d new rows",
                        current.range.upperBound, last, done, summary.trades, summary.whaleTrades, summary.stored))
            }
        }
        try await finishStoring()
        let elapsed = ContinuousClock.now - started  // clock-edge: the run's duration, reported only
        summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return summary
    }
}

/// One window as read: its logs, and its last block's header (read after the logs, for the checkpoint's hash).
private struct Window: Sendable {
    var logs: [ChainLog]
    var end: ChainBlock

    static func read(_ range: ClosedRange<Int64>, reader: ChainRangeReader) async throws -> Window {
        let logs = try await reader.logs(range)
        guard let end = try await reader.rpc.block(range.upperBound) else {
            throw ChainRPCError.malformed("block \(range.upperBound) missing below the head")
        }
        return Window(logs: logs, end: end)
    }
}
