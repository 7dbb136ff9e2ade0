import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Pipeline stage 1: the RTDS `activity` firehose merged with Data API backfills.
///
/// - Dedupes on the natural key (transaction hash, wallet, asset, side, size, price) over a bounded memory of recent
///   keys; the database's unique key is the final guard downstream.
/// - Backfills from the Data API (`/trades` with the whale notional as `filterAmount`) after every feed gap and at
///   start-up from the newest stored trade (at most `maxBackfill` back), so no whale trade is missed across
///   disconnects, stalls or restarts.
/// - Output edge: a bounded buffer that keeps the newest trades — under overload trades are **counted and dropped
///   here only**, before the whale filter (architecture.md, "Buffering").
/// - Stops on graceful shutdown; finishing its output is the drain signal for the stages after it.
package actor TradeListener: Service {
    /// Accepted trades in arrival order.
    package nonisolated let output: AsyncStream<ObservedTrade>
    private let continuation: AsyncStream<ObservedTrade>.Continuation
    private let feed: RTDSFeed?
    private let dataAPI: DataAPIClient?
    private let store: PolybotStore?
    private let minCash: @Sendable () -> Micros
    private let maxBackfill: Int64
    private let events: PipelineEvents
    private let logger: Logger
    private var seen: Set<TradeKey> = []
    private var seenOrder: [TradeKey] = []
    private var seenHead = 0
    private let memory = 200_000
    /// Feed health for the dashboard and /metrics.
    private(set) var lastFrameAt: Date?
    private(set) var stalls = 0
    private(set) var reconnects = 0
    private(set) var connections = 0
    private(set) var framesSeen = 0
    private(set) var lastBackfillAt: Date?
    private let frames = Counter(label: "feed.trades", dimensions: [("source", "rtds")])
    private let backfilled = Counter(label: "feed.trades", dimensions: [("source", "backfill")])
    private let duplicates = Counter(label: "feed.duplicates")
    private let dropped = Counter(label: "pipeline.dropped", dimensions: [("edge", "listener")])
    private let decodeErrors = Counter(label: "feed.decode_errors")
    private let gaps = Counter(label: "feed.gaps")
    private let stallCounter = Counter(label: "feed.stalls")
    /// Seconds between a trade's block time and its arrival here.
    private let lag = Gauge(label: "feed.lag_seconds")

    /// Creates the listener.
    ///
    /// - Parameters:
    ///   - feed: the RTDS feed (nil: no live feed, e.g. when only `accept` is used).
    ///   - dataAPI: Data API client for backfills (nil: no backfill).
    ///   - store: where the newest stored trade is read at start-up.
    ///   - minCash: the whale notional threshold (backfills ask only for trades at least this big).
    ///   - buffer: output edge capacity.
    package init(
        feed: RTDSFeed?, dataAPI: DataAPIClient?, store: PolybotStore?, minCash: @escaping @Sendable () -> Micros,
        maxBackfill: Int64 = 24 * 3_600, buffer: Int = 50_000, events: PipelineEvents, logger: Logger
    ) {
        (output, continuation) = AsyncStream<ObservedTrade>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        self.feed = feed
        self.dataAPI = dataAPI
        self.store = store
        self.minCash = minCash
        self.maxBackfill = maxBackfill
        self.events = events
        self.logger = logger
    }

    package func run() async throws {
        defer { continuation.finish() }
        if let store, let newest = try? await store.trades.recent(limit: 1).first?.trade.timestamp {
            let now = Int64(Date().timeIntervalSince1970)
            await backfill(from: max(newest - RTDSFeed.gapMarginSeconds, now - maxBackfill), to: now)
        }
        guard let feed else { return }
        await cancelWhenGracefulShutdown {
            await feed.run { event in await self.handle(event) }
        }
    }

    /// Accepts one trade from any source (deduped); false when it was a duplicate or had to be dropped.
    @discardableResult
    package func accept(_ trade: Trade, arrived: ContinuousClock.Instant = .now) -> Bool {
        let key = trade.key
        guard !seen.contains(key) else {
            duplicates.increment()
            return false
        }
        remember(key)
        switch continuation.yield(ObservedTrade(trade, arrived: arrived)) {
        case .dropped:
            dropped.increment()
            return false
        default:
            return true
        }
    }

    private func remember(_ key: TradeKey) {
        seen.insert(key)
        if seenOrder.count < memory {
            seenOrder.append(key)
        } else {
            seen.remove(seenOrder[seenHead])
            seenOrder[seenHead] = key
            seenHead = (seenHead + 1) % memory
        }
    }

    private func handle(_ event: FeedEvent) async {
        switch event {
        case .trade(let trade, _):
            let arrived = ContinuousClock.now
            lastFrameAt = Date()
            framesSeen += 1
            lag.record(Double(Int64(Date().timeIntervalSince1970) - trade.timestamp))
            frames.increment()
            accept(trade, arrived: arrived)
        case .decodeError(let error):
            decodeErrors.increment()
            logger.debug("feed frame rejected", metadata: ["feed.error": "\(error)"])
        case .connected(let attempt):
            connections += 1
            if attempt > 1 { reconnects += 1 }
            events.publish(.feed("connected"))
        case .disconnected(let reason):
            events.publish(.feed("disconnected: \(reason)"))
        case .stalled(let seconds):
            stalls += 1
            stallCounter.increment()
            logger.warning("feed stalled", metadata: ["feed.silent_seconds": "\(seconds)"])
            events.publish(.feed("stalled \(seconds)s"))
        case .gap(let from, let to):
            gaps.increment()
            await backfill(from: from, to: to)
        }
    }

    /// Pulls whale-sized trades in [from, to + margin] from the Data API (newest first, paged) and accepts the new ones.
    private func backfill(from: Int64, to: Int64) async {
        guard let dataAPI else { return }
        let q = DataAPIClient.TradeQuery(minCash: minCash())
        do {
            let (rows, capped) = try await dataAPI.allTrades(q)
            var added = 0
            for case .success(let t) in rows where t.timestamp >= from && t.timestamp <= to + RTDSFeed.gapMarginSeconds
            {
                if accept(t) {
                    added += 1
                    backfilled.increment()
                }
            }
            lastBackfillAt = Date()
            if capped { logger.warning("backfill hit the Data API offset cap; older trades of the gap may be missing") }
            logger.info(
                "backfilled",
                metadata: ["backfill.from": "\(from)", "backfill.to": "\(to)", "backfill.added": "\(added)"])
            events.publish(.feed("backfilled \(added)"))
        } catch {
            logger.error("backfill failed", metadata: ["backfill.error": "\(error)"])
        }
    }

    /// Feed health snapshot.
    package func health() -> (
        connections: Int, lastFrameAt: Date?, stalls: Int, reconnects: Int, lastBackfillAt: Date?, frames: Int
    ) {
        (connections, lastFrameAt, stalls, reconnects, lastBackfillAt, framesSeen)
    }
}
