import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle
import Synchronization

/// Hears the CLOB market channel's `market_resolved` (custom feature) for the markets whose resolution Polybot awaits
/// (open positions, recent whale trades) and has the catalog read those markets at once, so a resolution lands when
/// the venue announces it rather than at the catalog's next refresh.
///
/// The event is a trigger, never the record: it carries no payouts (a void or a 50/50 cannot be expressed), so the
/// market is read from `/v2/resolutions` and Gamma (venue facts §5.2). A market the venue announced but neither source
/// shows yet is asked again on every pass until one does. The watched tokens are re-read every `interval` on the
/// injected clock and changed on open connections (`"operation":"subscribe"`), never by reconnecting.
package struct ResolutionWatcher: Service {
    let store: PolybotStore
    let catalog: MarketCatalogService
    let url: String
    let clock: any PipelineClock
    let interval: Duration
    let lookbackSeconds: Int64
    let sockets: Int
    let perSocket: Int
    let logger: Logger

    /// Creates the watcher (`url`: the CLOB WebSocket base; `lookbackSeconds`: how far back a whale trade makes its
    /// market awaited; `sockets` × `perSocket`: the most tokens watched at once).
    package init(
        store: PolybotStore, catalog: MarketCatalogService, url: String,
        clock: any PipelineClock = SystemPipelineClock(),
        interval: Duration = .seconds(60), lookbackSeconds: Int64 = 86_400, sockets: Int = 4, perSocket: Int = 500,
        logger: Logger
    ) {
        self.store = store
        self.catalog = catalog
        self.url = url
        self.clock = clock
        self.interval = interval
        self.lookbackSeconds = lookbackSeconds
        self.sockets = sockets
        self.perSocket = perSocket
        self.logger = logger
    }

    /// One market-channel connection: its tokens (read on every open) and its outbox (changes while open).
    private final class Connection: Sendable {
        let tokens = Mutex<Set<String>>([])
        let outbox = SocketOutbox()
    }

    /// What the watcher knows between passes.
    /// Passes an announced market is asked about again before it is left to the catalog's schedule.
    static let maxAsks = 60

    private final class State: Sendable {
        struct Value {
            var plan: ResolutionWatchPlan
            var marketOf: [String: String] = [:]
            /// Markets the venue announced as resolved whose record is not in the store yet.
            var unconfirmed: [String: String] = [:]
            /// How many passes asked again about each unconfirmed market.
            var asked: [String: Int] = [:]
        }
        let value: Mutex<Value>
        init(plan: ResolutionWatchPlan) { value = Mutex(Value(plan: plan)) }
    }

    package func run() async throws {
        let connections = (0..<sockets).map { _ in Connection() }
        let state = State(plan: ResolutionWatchPlan(sockets: sockets, perSocket: perSocket))
        let (announced, announce) = AsyncStream.makeStream(of: (market: String, winner: String).self)
        // A graceful shutdown cancels the loop and the connections: that is a normal end.
        try? await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await a in announced { await confirm(a.market, announcedWinner: a.winner, state: state) }
                }
                var open = 0
                while !Task.isCancelled {
                    let used = await pass(connections, state: state)
                    while open < used {
                        let c = connections[open]
                        group.addTask { await listen(on: c, state: state, announce: announce) }
                        open += 1
                    }
                    do { try await clock.sleep(for: interval) } catch { break }
                }
                announce.finish()
                group.cancelAll()
            }
        }
    }

    /// Re-reads the awaited tokens, changes the connections, and asks again about announced but unconfirmed
    /// markets. Returns how many connections hold tokens.
    private func pass(_ connections: [Connection], state: State) async -> Int {
        for (market, winner) in state.value.withLock({ $0.unconfirmed }) {
            let asked = state.value.withLock { v in
                v.asked[market, default: 0] += 1
                return v.asked[market]!
            }
            // A void or 50/50 record never names a winner: after an hour of passes the catalog's own schedule is left
            // to read it (nothing is lost: the market stays unresolved in the store until a record says otherwise).
            guard asked <= Self.maxAsks else {
                state.value.withLock { v in
                    v.unconfirmed[market] = nil
                    v.asked[market] = nil
                }
                Counter(label: "markets.resolution_watch.abandoned").increment()
                logger.error(
                    "the venue announced a resolution no record confirms; left to the catalog's pass",
                    metadata: ["markets.condition_id": "\(market)", "markets.passes": "\(Self.maxAsks)"])
                continue
            }
            await confirm(market, announcedWinner: winner, state: state)
        }
        let awaited: [(conditionId: String, token: String)]
        do {
            awaited = try await store.insights.awaitedResolutionTokens(
                since: clock.now() - lookbackSeconds, limit: sockets * perSocket + 1)
        } catch {
            Counter(label: "markets.resolution_watch.failures").increment()
            logger.warning(
                "awaited resolutions unread; the watch keeps its tokens until the next pass",
                metadata: ["markets.error": "\(error)"])
            return state.value.withLock { $0.plan.used }
        }
        let (changes, used, leftOut) = state.value.withLock { v in
            for a in awaited { v.marketOf[a.token] = a.conditionId }
            let changes = v.plan.update(to: awaited.map(\.token))
            let kept = v.plan.assigned.reduce(0) { $0 + $1.count }
            return (changes, v.plan.used, awaited.count - kept)
        }
        for change in changes {
            let c = connections[change.socket]
            // The set changes before the message is queued: an open that reads the set after this sees the change,
            // one that read it before gets the message.
            c.tokens.withLock { t in
                t.subtract(change.unsubscribe)
                t.formUnion(change.subscribe)
            }
            if !change.unsubscribe.isEmpty {
                c.outbox.send(MarketChannelDecoder.change(assetIds: change.unsubscribe, subscribe: false))
            }
            if !change.subscribe.isEmpty {
                c.outbox.send(MarketChannelDecoder.change(assetIds: change.subscribe, subscribe: true))
            }
        }
        Gauge(label: "markets.resolution_watch.tokens").record(Double(awaited.count - leftOut))
        if leftOut > 0 { Counter(label: "markets.resolution_watch.left_out").increment(by: leftOut) }
        return used
    }

    /// One connection, until cancelled: `market_resolved` events become announcements.
    private func listen(
        on c: Connection, state: State, announce: AsyncStream<(market: String, winner: String)>.Continuation
    ) async {
        let log = logger
        await MarketChannelFeed(
            url: url, assetIds: { c.tokens.withLock { $0.sorted() } },
            // Resolutions are rare and the subscribed books may be quiet: a long watchdog (PONGs count as life).
            stallTimeout: .seconds(120), outbox: c.outbox, logger: logger
        ).run { event in
            switch event {
            case .success(.marketResolved(let market, let winner, _, _)):
                let id: String? = market.isEmpty ? state.value.withLock { $0.marketOf[winner] } : market.lowercased()
                guard let id else {
                    log.warning("market_resolved for an unknown token", metadata: ["markets.token": "\(winner)"])
                    return
                }
                Counter(label: "markets.resolution_watch.announced").increment()
                announce.yield((id, winner))
            case .success:
                break
            case .failure(let error):
                Counter(label: "markets.resolution_watch.decode_errors").increment()
                log.debug("market channel frame unread", metadata: ["markets.error": "\(error)"])
            }
        }
    }

    /// Reads an announced market through the catalog; until its resolution is in the store it stays to ask again.
    private func confirm(_ market: String, announcedWinner: String, state: State) async {
        do {
            try await catalog.resolve([market])
            let stored = try await store.markets.get([market])[market]
            guard let winner = stored?.winningToken else {
                state.value.withLock { $0.unconfirmed[market] = announcedWinner }
                logger.info(
                    "venue announced a resolution the Data API and Gamma do not show yet; asking again next pass",
                    metadata: ["markets.condition_id": "\(market)"])
                return
            }
            state.value.withLock { v in
                v.unconfirmed[market] = nil
                v.asked[market] = nil
            }
            Counter(label: "markets.resolution_watch.confirmed").increment()
            if winner != announcedWinner {
                Counter(label: "markets.resolution_watch.disagreements").increment()
                logger.error(
                    "the venue's market_resolved names another winner than the resolution record; the record stands",
                    metadata: [
                        "markets.condition_id": "\(market)", "markets.announced": "\(announcedWinner)",
                        "markets.recorded": "\(winner)",
                    ])
            }
        } catch is CancellationError {
            return
        } catch {
            state.value.withLock { $0.unconfirmed[market] = announcedWinner }
            Counter(label: "markets.resolution_watch.failures").increment()
            logger.warning(
                "announced resolution unread; asking again next pass",
                metadata: ["markets.condition_id": "\(market)", "markets.error": "\(error)"])
        }
    }
}
