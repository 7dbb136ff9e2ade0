import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Pipeline stage 4: rolling basket consensus. Keeps one ``BasketConsensus`` per enabled basket (rebuilt when its
/// members or rule change, reloaded every `reloadEvery`), feeds it the trades of members that count — wallets
/// classed `informed`, and any wallet the operator added by hand — and stores each signal once under its
/// deterministic key before passing it on. The books of the market's tokens are fetched before evaluating, so the
/// 5¢ upside gate sees a live best ask, and the market's fee schedule is read so that the gate judges the upside after
/// our taker fee (a market whose fee is unknown fires nothing).
///
/// The consensus clock is the trades' own time (the window is about when whales traded; a replay at any speed gives
/// the same signals as the live feed did); caches (books 2 s, baskets 60 s) age on the pipeline clock.
package actor ConsensusStage<Input: AsyncSequence & Sendable>: PipelineStage where Input.Element == ScoredTrade {
    package nonisolated let output = AsyncChannel<DetectedSignal>()
    package let input: Input
    private let store: PolybotStore
    private let market: MarketPorts
    private let clock: any PipelineClock
    private let work: WorkGauge?
    private let baseRule: @Sendable () -> ConsensusRule
    /// Who is one trader at a market time (nil: the links stored, reloaded with the baskets).
    private let clusterPort: (@Sendable (Int64) async -> ClusterView)?
    /// The stored links (when no port is given), as of the last reload.
    private var storedClusters = WalletClusters(links: [])
    private let events: PipelineEvents
    private let logger: Logger
    /// Seconds between reloads of the baskets (nil: only when ``basketsChanged()`` says so, and on the first trade).
    private let reloadEvery: Int64?
    private var baskets: [Int64: (consensus: BasketConsensus, manual: Set<Address>)] = [:]
    private var loadedAt: Int64?
    private var booksSeen: [String: (book: OrderBook?, atMs: Int64)] = [:]
    /// The snapshot each member's latest counted trade was judged with (recorded on the signals it makes).
    private var snapshotOf: [Address: Int64] = [:]
    private let signals = Counter(label: "pipeline.signals")
    private let storeErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "consensus")])
    private let feeErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "consensus_fees")])
    private let latency = Timer(label: "pipeline.stage_latency", dimensions: [("stage", "consensus")])

    /// Creates the stage.
    ///
    /// - Parameters:
    ///   - market: books and fee schedules.
    ///   - baseRule: the configured rule (a basket's own window, members, ratio and upside override it).
    package init(
        input: Input, store: PolybotStore, market: MarketPorts,
        baseRule: @escaping @Sendable () -> ConsensusRule, events: PipelineEvents, reloadEvery: Int64? = 60,
        clusters: (@Sendable (Int64) async -> ClusterView)? = nil,
        clock: any PipelineClock = SystemPipelineClock(), work: WorkGauge? = nil, logger: Logger
    ) {
        self.clusterPort = clusters
        self.input = input
        self.store = store
        self.market = market
        self.clock = clock
        self.work = work
        self.baseRule = baseRule
        self.events = events
        self.reloadEvery = reloadEvery
        self.logger = logger
    }

    /// Closes the signals a previous run left unfinished; false on shutdown during an outage.
    package func prepare() async -> Bool {
        // Signals a previous run stored but never acted on (a crash, a stop during an outage) end with a reason.
        let closed = await untilStored("interrupted signals", errors: storeErrors, logger: logger) { _ in
            try await store.signals.closeInterrupted(reason: "interrupted: polybot stopped before acting on it")
        }
        guard let closed else { return false }
        if closed > 0 {
            logger.warning("signals interrupted by the last stop closed", metadata: ["count": "\(closed)"])
        }
        return true
    }

    /// One scored trade: evaluates the baskets it counts in and passes on each new signal. False on shutdown.
    package func handle(_ scored: ScoredTrade) async -> Bool {
        defer { work.end() }
        if scored.retracted {
            // Taken back by a reorg: out of every window; a signal it already made was reported by the scorer.
            for id in baskets.keys { baskets[id]?.consensus.retract(scored.trade) }
            return true
        }
        return await evaluate(scored)
    }

    private func evaluate(_ scored: ScoredTrade) async -> Bool {
        let started = ContinuousClock.now  // clock-edge: latency metric
        await reloadIfDue()
        let trade = scored.trade
        let counts = scored.score?.walletClass == .informed
        if let id = scored.score?.snapshotId { snapshotOf[trade.wallet] = id }
        var fired: [(signal: CopySignal, fees: FeeSchedule)] = []
        var fees: FeeSchedule??
        let clusters = await clusterView(at: trade.timestamp)
        for (id, entry) in baskets.sorted(by: { $0.key < $1.key }) {
            guard entry.consensus.members.contains(trade.wallet), counts || entry.manual.contains(trade.wallet)
            else { continue }
            await refreshAsks(Set([trade.asset]).union(entry.consensus.tokens(market: trade.conditionId)))
            if fees == nil { fees = .some(await feeSchedule(trade.conditionId)) }
            var consensus = entry.consensus
            consensus.clusters = clusters
            let schedule = fees ?? nil
            let outcome = consensus.add(trade, now: trade.timestamp, fees: schedule) { token in
                self.booksSeen[token]?.book?.bestAsk
            }
            baskets[id]?.consensus = consensus
            if case .signal(var s) = outcome, let schedule {
                s.scoreIds = s.agreeing.compactMap { snapshotOf[$0] }
                fired.append((s, schedule))
            }
        }
        latency.recordNanoseconds(Int64((ContinuousClock.now - started).nanoseconds))  // clock-edge: latency metric
        for (signal, schedule) in fired {
            // Stored before it moves on, waiting through an outage; after a failed attempt, a signal that is
            // already there and still `new` is this one (its write went through, the answer was lost).
            guard
                let (signalId, created) = await untilStored(
                    "signal \(signal.key)", errors: storeErrors, logger: logger,
                    { retry in
                        let (id, created) = try await store.signals.record(signal, eventSlug: trade.eventSlug)
                        if created || !retry { return (id, created) }
                        return (id, try await store.signals.status(id: id) == "new")
                    })
            else { return false }  // Shutdown while waiting: the trades are stored; the rebuilt window re-evaluates.
            guard created else { continue }
            signals.increment()
            logger.notice(
                "copy signal",
                metadata: [
                    "signal.id": "\(signalId)", "signal.basket": "\(signal.basketId)",
                    "signal.asset": "\(signal.asset)",
                    "signal.agreeing": "\(signal.agreeing.count)", "signal.ask": "\(signal.bestAsk)",
                ])
            events.publish(.signal(signal, id: signalId))
            // The book the upside gate just read travels with the signal: the sizer prices on it (it is at most
            // 2 s old) instead of asking again.
            let seen = booksSeen[signal.asset]
            work.begin()
            await output.send(
                DetectedSignal(
                    signal: signal, signalId: signalId, eventSlug: trade.eventSlug,
                    arrived: scored.observed.arrived, detectedAtMs: scored.observed.detectedAtMs,
                    book: seen?.book, bookAtMs: seen?.atMs, fees: schedule))
        }
        return true
    }

    /// Who is one trader at a market time: the engine's port, else the links stored as of the last reload.
    private func clusterView(at time: Int64) async -> ClusterView {
        if let clusterPort { return await clusterPort(time) }
        // Trades come in time order: the timeline only moves forward; an older trade reads its time from the start.
        if let last = storedClusters.advancedTo, time < last { return storedClusters.view(at: time) }
        storedClusters.advance(to: time)
        return storedClusters.view
    }

    /// The market's fee schedule, or nil (counted and logged) when it is not known: the gate then fires nothing.
    private func feeSchedule(_ conditionId: String) async -> FeeSchedule? {
        do { return try await market.fees(conditionId) } catch {
            feeErrors.increment()
            logger.error(
                "fee schedule unknown; no signal in this market until it is",
                metadata: ["market": "\(conditionId)", "error": "\(error)"])
            return nil
        }
    }

    private func refreshAsks(_ tokens: Set<String>) async {
        let now = clock.nowMs()
        for token in tokens {
            if let cached = booksSeen[token], now - cached.atMs < 2_000 { continue }
            // No book is a named miss of the gate (`noBook`), not an error: the token may have no orders.
            let book: OrderBook?
            do { book = try await market.book(token) } catch { book = nil }
            booksSeen[token] = (book, now)
        }
    }

    /// Reloads baskets and members when due (and on the first trade).
    private func reloadIfDue() async {
        let now = clock.now()
        if let loadedAt, reloadEvery.map({ now - loadedAt < $0 }) ?? true { return }
        loadedAt = now
        do {
            var next: [Int64: (consensus: BasketConsensus, manual: Set<Address>)] = [:]
            let base = baseRule()
            for basket in try await store.baskets.list() where basket.enabled {
                let members = try await store.baskets.members(basketId: basket.id)
                var rule = ConsensusRule(basket: basket, minNetNotional: base.minNetNotional)
                if basket.windowHours <= 0 { rule.windowSeconds = base.windowSeconds }
                let set = Set(members.map(\.wallet))
                let manual = Set(members.filter { $0.membership == .manual }.map(\.wallet))
                if let old = baskets[basket.id], old.consensus.members == set, old.consensus.rule == rule {
                    next[basket.id] = (old.consensus, manual)
                } else {
                    var fresh = BasketConsensus(basketId: basket.id, members: set, rule: rule)
                    try await rebuild(&fresh, manual: manual)
                    next[basket.id] = (fresh, manual)
                }
            }
            baskets = next
            if clusterPort == nil {
                let stored = try await store.walletLinks.clusters()
                if stored.links != storedClusters.links || stored.splits != storedClusters.splits {
                    storedClusters = stored
                }
            }
        } catch {
            // Reloaded only when told (a replay): the next trade tries again rather than keep stale baskets until the
            // next announcement.
            if reloadEvery == nil { loadedAt = nil }
            logger.error("baskets not reloaded; keeping the previous ones", metadata: ["error": "\(error)"])
        }
    }

    /// Refills a new or changed basket's window from the whale trades already stored (up to one window before the newest
    /// stored trade, in market time) and the signals it already fired, so a restart or a rule edit forgets no evidence
    /// and cannot fire twice. Members count as they do live: classed `informed` now, or added by hand.
    private func rebuild(_ consensus: inout BasketConsensus, manual: Set<Address>) async throws {
        guard let newest = try await store.trades.recent(limit: 1).first?.trade.timestamp else { return }
        let since = newest - consensus.rule.windowSeconds
        var trades: [Trade] = []
        for wallet in consensus.members.sorted(by: { $0.hex < $1.hex }) {
            if !manual.contains(wallet) {
                guard try await store.scores.latest(wallet)?.walletClass == .informed else { continue }
            }
            trades += try await store.trades.trades(wallet: wallet, since: since).map(\.trade)
        }
        trades.sort { ($0.timestamp, $0.transactionHash) < ($1.timestamp, $1.transactionHash) }
        let fired = try await store.signals.keys(basketId: consensus.basketId, since: since)
        consensus.seed(trades: trades, fired: fired, now: newest)
        if consensus.heldTrades > 0 || !fired.isEmpty {
            logger.info(
                "consensus window rebuilt",
                metadata: [
                    "basket.id": "\(consensus.basketId)", "trades": "\(consensus.heldTrades)",
                    "signals": "\(fired.count)",
                ])
        }
    }

    /// Forces a reload on the next trade (after the operator edits baskets).
    package func basketsChanged() { loadedAt = nil }
}
