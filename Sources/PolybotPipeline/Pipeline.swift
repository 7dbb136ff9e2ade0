import AsyncAlgorithms
import Foundation
import Logging
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle
import Synchronization

/// The stage actors of architecture.md, joined by their edges, plus the trackers and the startup reconciliation.
///
/// Edges (buffering per edge, architecture.md): listener → filter is a bounded newest-kept stream (the only place
/// trades may be counted and dropped under overload); every later edge is an `AsyncChannel` whose `send` waits for
/// the next stage, so signals, intents and orders are never dropped. On graceful shutdown the listener and the
/// trackers stop; the other stages end when their input ends, after draining it.
package struct Pipeline: Sendable {
    /// The services, in start order (a service group stops them in reverse: listener first, executor after draining).
    package let services: [any Service]
    package let events: PipelineEvents
    package let risk: RiskManager<AsyncChannel<SizedOrder>>
    package let approvals: ApprovalGateway?
    package let probe: LatencyProbe
    package let listener: TradeListener
    package let positions: PositionTracker
    package let orders: OrderTracker?
    package let filter: WhaleFilter<AsyncStream<ObservedTrade>>
    /// The gateway of the run mode (tests and the replay report use it).
    package let gateway: any OrderGateway
    /// Tells the consensus stage that baskets or members changed (reloaded on the next trade).
    package let basketsChanged: @Sendable () async -> Void
    /// Tells the scorer that wallet scores changed (its cached ones are forgotten).
    package let scoresChanged: @Sendable () async -> Void
    /// The settings in force; the stages read them on every trade or signal.
    package let live: LiveSettings

    /// Whether a trade can change anything past the listener: the whale filter passes it, or it is a SELL of a token we
    /// hold (exits mirror the copied wallets' sells). Any other trade is counted by the listener and dropped by the
    /// filter, whatever happens around it — the replay driver does not wait for those.
    package func mayMatter(_ trade: Trade) -> Bool {
        filter.wouldPass(trade) || (trade.side == .sell && positions.holds(trade.asset))
    }

    /// Applies new settings without a restart: thresholds, consensus rule, sizing, risk limits and exit rules (the
    /// whale filter keeps its allow/deny lists, which come from the whales table). Mode, URLs and timings need a restart.
    package func apply(_ new: PipelineSettings) async {
        live.set(new)
        var rules = await filter.currentRules()
        rules.minNotional = new.whaleRules.minNotional
        rules.excludedMarkets = new.whaleRules.excludedMarkets
        rules.excludedEvents = new.whaleRules.excludedEvents
        await filter.update(rules: rules)
        await risk.update(limits: new.riskLimits)
        await positions.update(rules: new.exitRules)
    }

    /// Builds the pipeline.
    ///
    /// - Parameters:
    ///   - clob: CLOB client (authenticated with `live`'s credentials in live mode).
    ///   - live: required for live mode and for approve mode that executes live.
    ///   - gamma: where live orders read each market's protocol version (without it nothing live is signed).
    ///   - engine: clock, feed, books and fees (default: the daemon's — wall clock, RTDS, the CLOB).
    /// - Throws: ``PipelineError`` when live trading is asked for without its setup.
    package static func build(
        settings: PipelineSettings, store: PolybotStore, clob: ClobClient, dataAPI: DataAPIClient?, rpc: PolygonRPC?,
        live: LiveTrading?, gamma: GammaClient? = nil, logger: Logger, events: PipelineEvents = PipelineEvents(),
        engine: PipelineEngine = PipelineEngine()
    ) throws -> Pipeline {
        let probe = LatencyProbe()
        let clock = engine.clock
        let work = engine.work
        let market = engine.market ?? .clob(clob, clock: clock)
        let books = market.book
        let sized = AsyncChannel<SizedOrder>()
        let risk = RiskManager(
            input: sized, store: store, mode: settings.mode, limits: settings.riskLimits,
            startingEquity: settings.startingEquity, events: events, logger: logger,
            pendingStateFile: settings.pendingStateFile.map(PendingStateFile.init(path:)), clock: clock, work: work)
        let heldTokens = HeldTokens()
        let ledger = FillLedger(
            store: store, equity: { await risk.equity() },
            onFill: { fill in
                await risk.recordFill(fill)
                if let p = fill.position {
                    heldTokens.changed(p)
                    events.publish(.position(p))
                }
            }, now: { clock.date() })
        let paper = PaperOrderGateway(
            store: store, market: market, ledger: ledger, copyDelay: settings.copyDelay, logger: logger,
            trading: risk.gate)
        var liveGateway: LiveOrderGateway?
        if settings.mode == .live || (settings.mode == .approve && settings.approveExecutesLive) {
            guard let live else { throw PipelineError.liveSetupMissing }
            var signerClob = clob
            signerClob.signerLimits = live.signerLimits
            let others = live.otherKeys.map { ClobClient(baseURL: clob.baseURL, transport: clob.transport, auth: $0) }
            liveGateway = LiveOrderGateway(
                store: store, clob: signerClob, builder: try live.builder(),
                apiKey: live.credentials.apiKey, ledger: ledger, fees: market.fees, logger: logger,
                now: { clock.date() },
                willSend: { probe.sent($0.idempotencyKey) },
                alarm: { events.publish(.reconciliation(problems: [$0])) },
                venue: VenueStatus(postOnlySeconds: live.postOnlySeconds), otherKeys: others,
                marketVersion: gamma.map { MarketVersions.reading($0) }
                    ?? { @Sendable _ in throw LiveOrderError.noVersionSource }, trading: risk.gate,
                sleep: { try await clock.sleep(for: $0) })
        }
        var approvals: ApprovalGateway?
        let gateway: any OrderGateway
        switch settings.mode {
        case .paper: gateway = paper
        case .live: gateway = liveGateway!
        case .approve:
            let a = ApprovalGateway(
                store: store, inner: liveGateway.map { .live($0) } ?? .paper(paper), books: books,
                timeToLive: settings.approvalTimeToLive, now: { clock.date() },
                recheck: { order, book in try await risk.recheckApproval(order, book: book) })
            approvals = a
            gateway = a
        }
        // Exits are not queued for approval: they reduce risk. In approve mode they go where approved entries go.
        let exitGateway: any OrderGateway =
            settings.mode == .approve ? (liveGateway.map { $0 as any OrderGateway } ?? paper) : gateway
        let positions = PositionTracker(
            store: store, mode: settings.mode, books: books,
            resolution: market.resolution,
            gateway: exitGateway,
            risk: .init(
                approveExit: { await risk.approveExit($0) },
                recordMarks: { await risk.recordMarks(unrealizedTotal: $0) },
                recordSettlement: { await risk.recordSettlement(asset: $0, $1) }, equity: { await risk.equity() },
                dayStart: { await risk.dayStart() },
                addCooldown: { lock in
                    do { try await risk.addCooldown(lock) } catch {
                        logger.error("cooldown in force but not persisted", metadata: ["error": "\(error)"])
                    }
                },
                hasCooldown: { await risk.hasCooldown($0) }),
            rules: settings.exitRules, markEvery: settings.markEvery, events: events, logger: logger, clock: clock,
            work: work)
        heldTokens.tracker.withLock { $0 = positions }

        let liveSettings = LiveSettings(settings)
        let feeds =
            engine.feed.map {
                (feed: $0 as (any MarketFeed)?, running: Set<TradeSource>(), chainStats: ChainFeedStats?.none)
            }
            ?? Self.liveFeeds(
                settings, rpc: rpc, gamma: gamma, store: store, dataAPI: dataAPI,
                minCash: { liveSettings.get().whaleRules.minNotional }, now: { clock.now() }, logger: logger)
        let listener = TradeListener(
            feed: feeds.feed, dataAPI: engine.feed == nil && !settings.feedSources.contains(.dataAPI) ? nil : dataAPI,
            store: store, minCash: { liveSettings.get().whaleRules.minNotional },
            sweep: .init(every: settings.feedSweepEvery, window: settings.feedSweepWindowSeconds),
            clock: clock, work: work, relevance: engine.relevance,
            watch: DivergenceWatch(
                sources: feeds.running, grace: settings.divergenceGraceSeconds,
                horizon: max(4 * settings.divergenceGraceSeconds, settings.feedSweepWindowSeconds)),
            dataAPIStaleAfter: settings.divergenceGraceSeconds, chainStats: feeds.chainStats,
            events: events, logger: logger)
        let filter = WhaleFilter(
            input: listener.output, rules: settings.whaleRules,
            sellTap: { observed in
                if positions.holds(observed.trade.asset) { positions.enqueueSell(observed) }
            }, work: work, logger: logger)
        let scorer = WalletScorer(
            input: filter.output, store: store, events: events, cacheTTL: engine.announcedChanges ? nil : 600,
            clock: clock, work: work, logger: logger)
        let consensus = ConsensusStage(
            input: scorer.output, store: store, market: market, baseRule: { liveSettings.get().consensusRule },
            events: events, reloadEvery: engine.announcedChanges ? nil : 60, clusters: engine.clusters, clock: clock,
            work: work, logger: logger)
        let sizer = PositionSizer(
            input: consensus.output, store: store, books: books, mode: { liveSettings.get().sizingMode },
            slippageCap: { liveSettings.get().riskLimits.maxSlippage },
            equity: { await risk.equity() },
            lifetimeSeconds: settings.orderLifetimeSeconds, output: sized, clock: clock, work: work, events: events,
            logger: logger)
        let reservations = ReservationHooks(
            orderUpdated: { await risk.orderUpdated($0) }, abandoned: { await risk.placementAbandoned(key: $0) })
        let executor = Executor(
            input: risk.output, gateway: gateway, store: store, probe: probe, events: events,
            reservations: reservations, work: work,
            logger: logger)

        var orders: OrderTracker?
        if let liveGateway, let live {
            let userFeed = settings.clobWSURL.map {
                UserChannelFeed(url: $0 + "/user", credentials: live.credentials, logger: logger)
            }
            orders = OrderTracker(
                store: store, clob: clob, gateway: liveGateway, ledger: ledger, books: books, userFeed: userFeed,
                pollInterval: settings.orderPollEvery, events: events, reservations: reservations, logger: logger,
                now: { clock.now() })
        }
        let reconciler = StartupReconciler(
            store: store, mode: settings.mode, tracker: orders, clob: liveGateway == nil ? nil : clob,
            dataAPI: liveGateway == nil ? nil : dataAPI,
            rpc: rpc, account: live.flatMap { Address(($0.funder ?? $0.key.address).lowercased) }, approvals: approvals,
            clock: clock, logger: logger
        )
        let startup = PipelineStartup(
            risk: risk, reconciler: reconciler, approvals: approvals, orders: orders, events: events, clock: clock,
            entriesRefused: live?.entriesRefused, logger: logger)

        var services: [any Service] = [executor, risk, sizer, consensus, scorer, filter, listener, positions]
        if let orders { services.append(orders) }
        if liveGateway != nil, let live, let rpc, let dataAPI {
            services.append(
                RedemptionService(
                    dataAPI: dataAPI, rpc: rpc, key: live.key, signatureType: live.signatureType,
                    funder: live.funder ?? live.key.address, store: store, trading: risk.gate, clock: clock,
                    interval: settings.redeemEvery, autoRedeemGraceSeconds: settings.autoRedeemGraceSeconds,
                    events: events, logger: logger))
        }
        if let liveGateway {
            services.append(
                HeartbeatService(
                    clob: liveGateway.clob, store: store, trading: risk.gate, clock: clock,
                    events: events, logger: logger))
        }
        services.append(startup)
        return Pipeline(
            services: services, events: events, risk: risk, approvals: approvals, probe: probe, listener: listener,
            positions: positions, orders: orders, filter: filter, gateway: gateway,
            basketsChanged: { await consensus.basketsChanged() }, scoresChanged: { await scorer.invalidateScores() },
            live: liveSettings)
    }
}

/// The settings in force, shared by the stages (read on every trade or signal, replaced by ``Pipeline/apply(_:)``).
package final class LiveSettings: Sendable {
    let value: Mutex<PipelineSettings>

    init(_ s: PipelineSettings) { value = Mutex(s) }

    /// The current settings.
    package func get() -> PipelineSettings { value.withLock { $0 } }

    func set(_ s: PipelineSettings) { value.withLock { $0 = s } }
}

/// Forwards position changes to the tracker built after the ledger that reports them.
final class HeldTokens: Sendable {
    let tracker = Mutex<PositionTracker?>(nil)

    func changed(_ p: Position) { tracker.withLock { $0 }?.positionChanged(p) }
}

/// Why the pipeline cannot be built.
package enum PipelineError: Error, CustomStringConvertible {
    case liveSetupMissing

    package var description: String {
        switch self {
        case .liveSetupMissing: "live trading needs the private key and the API credentials"
        }
    }
}

/// Loads the risk state, reconciles with the exchange, then lets trading resume; afterwards expires approval-queue
/// entries whose deadline passed, until shutdown.
struct PipelineStartup: Service {
    let risk: RiskManager<AsyncChannel<SizedOrder>>
    let reconciler: StartupReconciler
    let approvals: ApprovalGateway?
    let orders: OrderTracker?
    let events: PipelineEvents
    let clock: any PipelineClock
    /// A startup check's refusal of entries (geoblock, close-only): trading starts reduce-only with it.
    let entriesRefused: String?
    let logger: Logger

    func run() async throws {
        await risk.install(
            cancelResting: { entriesOnly in
                if let orders { await orders.cancelResting(entriesOnly: entriesOnly) }
            },
            resumeCheck: { await reconciler.check() })
        var attempt = 0
        while true {
            do {
                try await risk.load()
                break
            } catch {
                attempt += 1
                logger.error(
                    "risk state not loaded; trading stays closed",
                    metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: .seconds(min(attempt, 10)))  // clock-edge: database retry backoff
            }
        }
        let report = await reconciler.run()
        events.publish(.reconciliation(problems: report.problems))
        if !report.problems.isEmpty {
            // Applied in memory before it is written, so a failed write can never leave trading active.
            do {
                try await risk.setTradingState(
                    .reduceOnly, reason: "reconciliation found \(report.problems.count) problem(s)", actor: "system")
            } catch {
                logger.error("reduce-only after reconciliation not applied", metadata: ["error": "\(error)"])
            }
        }
        if let entriesRefused {
            do {
                try await risk.setTradingState(.reduceOnly, reason: entriesRefused, actor: "system")
            } catch {
                logger.error("reduce-only after a venue check not applied", metadata: ["error": "\(error)"])
            }
        }
        await risk.reconciled()
        await cancelWhenGracefulShutdown {
            // Every 5 s of the pipeline clock (market time in replay, where the driver runs the passes).
            await clock.every(.seconds(5)) {
                // A halt made while the database was down is written as soon as it answers again, and any
                // reservation whose order finished without telling the risk manager is released (one call).
                await risk.housekeeping()
                guard let approvals else { return }
                let expired: [CopyOrder]
                do { expired = try await approvals.expireDue() } catch {
                    logger.warning("approval deadlines not checked; retried in 5 s", metadata: ["error": "\(error)"])
                    return
                }
                for o in expired {
                    var ended = o
                    ended.status = .expired
                    await risk.orderUpdated(ended)
                    events.publish(.order(ended))
                    if let id = o.signalId {
                        do {
                            try await approvals.store.signals.setStatus(
                                id: id, "expired", reason: "approval window passed")
                        } catch {
                            logger.error(
                                "expired approval's signal not updated",
                                metadata: ["signal.id": "\(id)", "error": "\(error)"])
                        }
                    }
                }
            }
        }
    }
}
