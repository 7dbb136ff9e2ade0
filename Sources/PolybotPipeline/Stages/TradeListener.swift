import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Pipeline stage 1: the trade feeds (the chain's `OrderFilled` logs, RTDS `activity`, a replay) merged with Data API
/// backfills.
///
/// - Dedupes on the natural key (transaction hash, wallet, asset, side, size, ordinal) over a bounded memory of recent
///   keys and the sources that delivered each; the database's unique key is the final guard downstream. Another
///   source's copy of a trade already passed on goes on as a ``ObservedTrade/Kind/repeatSighting`` (it adds its name
///   to the row's sources, nothing else); a trade the chain takes back goes on as a ``ObservedTrade/Kind/retraction``,
///   behind its own insert. A trade dropped at the output edge is forgotten again, so a later backfill or sweep can
///   bring it back.
/// - Feeds watch each other (``DivergenceWatch``): a whale trade one source delivered that another covering source has
///   not delivered after the grace period raises the divergence alarm (log, metric, alert) until it arrives.
/// - Backfills from the Data API (`/trades` with the whale notional as `filterAmount`): at start-up from the newest
///   stored trade, after every feed gap, and — because RTDS frames carry no sequence numbers, so a silent stall shorter
///   than the watchdog loses trades unseen — in a **sweep** of the recent window every `sweepEvery`. What a sweep
///   finds that the feed did not deliver counts in `feed_sweep_recovered` and is logged, so any loss is bounded (by
///   the sweep window) and visible. Every window is in **market time**: the newest trade time seen (feed, backfill or
///   database), never the local clock, so a replayed history backfills like the live venue.
/// - Output edge: a bounded buffer that keeps the newest trades — under overload trades are **counted and dropped
///   here only**, before the whale filter (architecture.md, "Buffering").
/// - Stops on graceful shutdown (a backfill waiting on a 429 included); finishing its output is the drain signal for
///   the stages after it.
package actor TradeListener: Service {
    /// Accepted trades in arrival order.
    package nonisolated let output: AsyncStream<ObservedTrade>
    private let continuation: AsyncStream<ObservedTrade>.Continuation
    private let feed: (any MarketFeed)?
    let clock: any PipelineClock
    private let work: WorkGauge?
    private let relevance: ReplayRelevance?
    let dataAPI: DataAPIClient?
    private let store: PolybotStore?
    let minCash: @Sendable () -> Micros
    private let sweep: SweepSchedule
    let events: PipelineEvents
    let logger: Logger
    /// Recent keys and the sources (bits of ``sourceBit(_:)``) that delivered each.
    private var seen: [TradeKey: UInt8] = [:]
    private var seenOrder: [TradeKey] = []
    private var seenHead = 0
    private let memory = 200_000
    /// The newest trade time known (market time): where gaps and sweeps are measured from.
    private(set) var newestTradeTime: Int64?
    /// The oldest trade time dropped at the output edge since the last sweep (the next sweep reaches back to it).
    private var droppedSince: Int64?
    /// Feed health for the dashboard and /metrics.
    private(set) var lastFrameAt: Date?
    private(set) var stalls = 0
    private(set) var reconnects = 0
    private(set) var connections = 0
    private(set) var framesSeen = 0
    private(set) var lastBackfillAt: Date?
    /// Whether the Data API serves v2 (nil until the first backfill asks).
    var dataV2: Bool?
    private(set) var sweeps = 0
    private(set) var sweepRecovered = 0
    /// Feeds watching each other (nil: one source, nothing to compare).
    var watch: DivergenceWatch?
    let divergenceEvery: Duration
    /// Missing trades per source at the last check (the alarm is on while any is non-zero).
    var divergence: [TradeSource: Int] = [:]
    /// Per source: trades delivered (first or repeat sightings) and the newest trade time.
    var bySource: [TradeSource: (trades: Int, newest: Int64)] = [:]
    private(set) var provisionalSeen = 0
    private(set) var retractedSeen = 0
    /// The Data API's last `/v2/status`, and whether it is staler than `dataAPIStaleAfter` seconds (the alarm).
    var dataAPIStatus: DataAPIStatus?
    var dataAPIStale = false
    let dataAPIStaleAfter: Int64
    /// The chain source's counters (reorgs, refusals, combos, errors), when it runs.
    let chainStats: ChainFeedStats?
    /// The chain source's last final block, its time and the node's head.
    var chainProgress: ChainProgress?
    private let frames = Counter(label: "feed.trades", dimensions: [("source", "rtds")])
    private let backfilled = Counter(label: "feed.trades", dimensions: [("source", "backfill")])
    private let swept = Counter(label: "feed.trades", dimensions: [("source", "sweep")])
    private let recovered = Counter(label: "feed.sweep_recovered")
    private let sweepRuns = Counter(label: "feed.sweeps")
    private let backfillErrors = Counter(label: "feed.backfill_errors")
    private let duplicates = Counter(label: "feed.duplicates")
    private let dropped = Counter(label: "pipeline.dropped", dimensions: [("edge", "listener")])
    private let cannotMatter = Counter(label: "pipeline.replay.cannot_matter")
    private let decodeErrors = Counter(label: "feed.decode_errors")
    private let gaps = Counter(label: "feed.gaps")
    private let stallCounter = Counter(label: "feed.stalls")
    /// Seconds between a trade's block time and the venue's send time of its frame (both market time).
    private let lag = Gauge(label: "feed.lag_seconds")

    /// Creates the listener.
    ///
    /// - Parameters:
    ///   - feed: the trade feed — RTDS live, a history in replay (nil: none, e.g. when only `accept` is used).
    ///   - clock: the pipeline clock (detection times, health).
    ///   - work: the replay barrier's gauge (one unit per accepted trade; nil in the daemon).
    ///   - dataAPI: Data API client for backfills and sweeps (nil: neither).
    ///   - store: where the newest stored trade is read at start-up.
    ///   - minCash: the whale notional threshold (backfills ask only for trades at least this big).
    ///   - sweep: the safety-net sweep.
    ///   - buffer: output edge capacity.
    package init(
        feed: (any MarketFeed)?, dataAPI: DataAPIClient?, store: PolybotStore?,
        minCash: @escaping @Sendable () -> Micros, sweep: SweepSchedule = SweepSchedule(), buffer: Int = 50_000,
        clock: any PipelineClock = SystemPipelineClock(), work: WorkGauge? = nil, relevance: ReplayRelevance? = nil,
        watch: DivergenceWatch? = nil, divergenceEvery: Duration = .seconds(5), dataAPIStaleAfter: Int64 = 360,
        chainStats: ChainFeedStats? = nil, events: PipelineEvents, logger: Logger
    ) {
        self.chainStats = chainStats
        self.dataAPIStaleAfter = dataAPIStaleAfter
        self.watch = watch.flatMap { $0.isActive ? $0 : nil }
        self.divergenceEvery = divergenceEvery
        self.clock = clock
        self.work = work
        self.relevance = relevance
        (output, continuation) = AsyncStream<ObservedTrade>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        self.feed = feed
        self.dataAPI = dataAPI
        self.store = store
        self.minCash = minCash
        self.sweep = sweep
        self.events = events
        self.logger = logger
    }

    package func run() async throws {
        defer { continuation.finish() }
        await cancelWhenGracefulShutdown {
            await self.startupBackfill()
            await withDiscardingTaskGroup { group in
                if self.dataAPI != nil, let every = self.sweep.every {
                    group.addTask { await self.sweepLoop(every: every) }
                }
                if let feed = self.feed {
                    group.addTask { await feed.run { event in await self.handle(event) } }
                }
                if await self.watch != nil || self.chainStats != nil {
                    group.addTask { await self.divergenceLoop() }
                }
            }
        }
        // No feed and no sweep: nothing to listen to, but the listener still stops only when told to.
        if !Task.isCancelled, !Task.isShuttingDownGracefully { await awaitShutdownTurn() }
    }

    // clock-edge: the arrival instant feeds the latency metrics only
    /// Accepts one trade from any source (deduped); false when it was a duplicate.
    ///
    /// Another source's copy of a trade already passed on goes on as a repeat sighting (and returns false).
    @discardableResult
    package func accept(_ trade: Trade, arrived: ContinuousClock.Instant = .now) -> Bool {
        let key = trade.key
        let bit = Self.sourceBit(trade.source)
        if let mask = seen[key] {
            guard mask & bit == 0 else {
                duplicates.increment()
                return false
            }
            seen[key] = mask | bit
            sighted(trade)
            forward(trade, kind: .repeatSighting, arrived: arrived)
            return false
        }
        remember(key, bit)
        newestTradeTime = max(newestTradeTime ?? trade.timestamp, trade.timestamp)
        sighted(trade)
        forward(trade, kind: .first, arrived: arrived)
        return true
    }

    // clock-edge: the arrival instant feeds the latency metrics only
    /// Passes a sighting to the whale filter through the output edge.
    private func forward(_ trade: Trade, kind: ObservedTrade.Kind, arrived: ContinuousClock.Instant = .now) {
        var observed = ObservedTrade(trade, detectedAtMs: clock.nowMs(), arrived: arrived)
        observed.kind = kind
        if let work {
            // A replay's trade that cannot matter past here (the whale filter would drop it and it is not a sell of a
            // token we hold) ends here, judged at its own market time: its whole effect was the dedupe memory and the
            // counters above. Handed on, it would have been judged whenever the filter reached it, possibly after a
            // fill that a later clock tick made (a sell mirrored that came before the position), and every such
            // trade cost the filter a wake-up.
            guard relevance?.mayMatter(trade) ?? true else {
                cannotMatter.increment()
                return
            }
            work.begin()
        }
        if case .dropped(let old) = continuation.yield(observed) {
            // The edge was full and its oldest trade made room: forget it, so the next sweep can bring it back.
            work.end()
            dropped.increment()
            seen.removeValue(forKey: old.trade.key)
            droppedSince = min(droppedSince ?? old.trade.timestamp, old.trade.timestamp)
        }
    }

    private func remember(_ key: TradeKey, _ bit: UInt8) {
        seen[key] = bit
        if seenOrder.count < memory {
            seenOrder.append(key)
        } else {
            seen.removeValue(forKey: seenOrder[seenHead])
            seenOrder[seenHead] = key
            seenHead = (seenHead + 1) % memory
        }
    }

    private func handle(_ event: FeedEvent) async {
        switch event {
        case .trade(let trade, let serverTimeMs):
            let arrived = ContinuousClock.now  // clock-edge: latency metric
            lastFrameAt = clock.date()
            framesSeen += 1
            if let serverTimeMs { lag.record(Double(serverTimeMs) / 1000 - Double(trade.timestamp)) }
            (trade.source == .rtds
                ? frames : Counter(label: "feed.trades", dimensions: [("source", trade.source.rawValue)]))
                .increment()
            accept(trade, arrived: arrived)
        case .decodeError(let error):
            decodeErrors.increment()
            logger.debug("feed frame rejected", metadata: ["feed.error": "\(error)"])
        case .connected(let attempt):
            connections += 1
            if attempt > 1 { reconnects += 1 }
            events.publish(.feed("connected"))
            // A reconnect before any trade time is known has no gap to report (the feed measures gaps from the last
            // trade): the venue's newest whale trade tells where it is, and the window before it is backfilled.
            if attempt > 1, newestTradeTime == nil {
                await learnNewestTime()
                if let newest = newestTradeTime {
                    gaps.increment()
                    _ = await backfill(since: newest - sweep.window, source: .backfill)
                }
            }
        case .disconnected(let reason):
            events.publish(.feed("disconnected: \(reason)"))
        case .stalled(let seconds):
            stalls += 1
            stallCounter.increment()
            logger.warning("feed stalled", metadata: ["feed.silent_seconds": "\(seconds)"])
            events.publish(.feed("stalled \(seconds)s"))
        case .gap(let from, _):
            gaps.increment()
            _ = await backfill(since: from, source: .backfill)
        case .provisional(let trade):
            provisionalSeen += 1
            if trade.notional >= minCash() {
                events.publish(
                    .feed(
                        "provisional whale trade (unconfirmed): \(trade.wallet.hex) \(trade.side.rawValue) \(trade.size) @ \(trade.price) in \(trade.conditionId)"
                    ))
            }
        case .retracted(let trade):
            retractedSeen += 1
            seen.removeValue(forKey: trade.key)
            watch?.forget(trade.key)
            forward(trade, kind: .retraction)
        case .coverage(let source, let since):
            watch?.cover(source, from: since)
        case .alarm(let text):
            logger.error("feed alarm", metadata: ["feed.alarm": "\(text)"])
            events.publish(.feed("alarm: \(text)"))
        case .chainProgress(let block, let head, let blockTime):
            chainProgress = ChainProgress(block: block, head: head, blockTime: blockTime)
        }
        checkDivergence()
    }

    /// At start-up: everything since the newest stored trade (less the gap margin), in market time.
    private func startupBackfill() async {
        guard let store else { return }
        let newest: Int64?
        do { newest = try await store.trades.recent(limit: 1).first?.trade.timestamp } catch {
            // The sweep reaches back to the newest trade it learns of; restart backfill is what is lost here.
            backfillErrors.increment()
            logger.error("newest stored trade unknown; start-up backfill skipped", metadata: ["error": "\(error)"])
            return
        }
        guard let newest else { return }
        newestTradeTime = max(newestTradeTime ?? newest, newest)
        _ = await backfill(since: newest - RTDSFeed.gapMarginSeconds, source: .backfill)
    }

    private func sweepLoop(every: Duration) async {
        while !Task.isCancelled {
            do {
                if let sleep = sweep.sleep { try await sleep(every) } else { try await clock.sleep(for: every) }
            } catch { return }
            await sweepOnce()
        }
    }

    /// One safety-net sweep: whale-sized trades from `window` before the newest trade time (or the oldest trade dropped
    /// since the last sweep, if older) that the feed did not deliver.
    package func sweepOnce() async {
        guard let newest = newestTradeTime else {
            // Nothing seen yet: learn where the venue is, so the next sweep has a window (history is not ingested).
            await learnNewestTime()
            return
        }
        var from = newest - sweep.window
        if let d = droppedSince { from = min(from, d - RTDSFeed.gapMarginSeconds) }
        guard let added = await backfill(since: from, source: .sweep) else { return }
        await checkDataAPIFreshness()
        checkDivergence()
        droppedSince = nil
        sweeps += 1
        sweepRuns.increment()
        if added > 0 {
            sweepRecovered += added
            recovered.increment(by: added)
            logger.warning("sweep recovered trades the feed did not deliver", metadata: ["feed.recovered": "\(added)"])
            events.publish(.feed("sweep recovered \(added)"))
        }
    }

    private func learnNewestTime() async {
        guard let dataAPI else { return }
        do {
            let page = try await dataAPI.trades(DataAPIClient.TradeQuery(minCash: minCash()), limit: 1, offset: 0)
            for case .success(let t) in page { newestTradeTime = max(newestTradeTime ?? t.timestamp, t.timestamp) }
        } catch {
            backfillErrors.increment()
            logger.warning("sweep could not read the Data API", metadata: ["error": "\(error)"])
        }
    }

    private enum Source { case backfill, sweep }

    /// Pulls whale-sized trades from `since` onwards (Data API, newest first, paged back to `since`) and accepts the
    /// new ones. Returns how many were new, or nil when the Data API could not be read (logged and counted).
    private func backfill(since from: Int64, source: Source) async -> Int? {
        guard let dataAPI else { return nil }
        let q = DataAPIClient.TradeQuery(minCash: minCash())
        do {
            var (rows, capped) = ([Result<Trade, FeedDecodeError>](), false)
            if dataV2 != false {
                do {
                    // v2: cursor paging with no offset cap. Its first page may be cached for up to 300 s, so the
                    // newest v1 page is read as well; the natural-key dedupe absorbs the overlap.
                    rows = try await dataAPI.tradesSinceV2(minCash: q.minCash, since: from)
                    rows += try await dataAPI.trades(q, limit: 500, offset: 0)
                    dataV2 = true
                } catch .status(404, _) {
                    dataV2 = false
                    logger.notice("the Data API has no v2; backfilling from v1 /trades")
                }
            }
            if dataV2 == false { (rows, capped) = try await dataAPI.tradesSince(q, since: from) }
            var added = 0
            // Oldest first, so the stages downstream see them in market order.
            var fresh = rows.compactMap { row -> Trade? in
                if case .success(let t) = row, t.timestamp >= from { t } else { nil }
            }
            if dataV2 == true { fresh.sort { $0.timestamp > $1.timestamp } }
            for t in fresh.reversed() where accept(t) {
                added += 1
                (source == .sweep ? swept : backfilled).increment()
            }
            lastBackfillAt = clock.date()
            watch?.cover(.dataAPI, from: from)
            if capped {
                logger.warning("backfill hit the Data API offset cap; older trades of the window may be missing")
            }
            if source == .backfill {
                logger.info("backfilled", metadata: ["backfill.since": "\(from)", "backfill.added": "\(added)"])
                events.publish(.feed("backfilled \(added)"))
            }
            return added
        } catch {
            backfillErrors.increment()
            logger.error("backfill failed", metadata: ["backfill.since": "\(from)", "backfill.error": "\(error)"])
            return nil
        }
    }

    /// Feed health snapshot.
    package func health() -> (
        connections: Int, lastFrameAt: Date?, stalls: Int, reconnects: Int, lastBackfillAt: Date?, frames: Int
    ) {
        (connections, lastFrameAt, stalls, reconnects, lastBackfillAt, framesSeen)
    }

    /// Safety-net sweep figures: sweeps run and trades they recovered.
    package func sweepStats() -> (sweeps: Int, recovered: Int) { (sweeps, sweepRecovered) }
}
