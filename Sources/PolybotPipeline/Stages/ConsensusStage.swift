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
/// 5¢ upside gate sees a live best ask.
///
/// The consensus clock is the trades' own time (the window is about when whales traded; a replay at any speed gives
/// the same signals as the live feed did).
package actor ConsensusStage<Input: AsyncSequence & Sendable>: Service where Input.Element == ScoredTrade {
    package nonisolated let output = AsyncChannel<DetectedSignal>()
    private let input: Input
    private let store: PolybotStore
    private let books: @Sendable (String) async throws -> OrderBook
    private let baseRule: @Sendable () -> ConsensusRule
    private let events: PipelineEvents
    private let logger: Logger
    private let reloadEvery: Int64
    private var baskets: [Int64: (consensus: BasketConsensus, manual: Set<Address>)] = [:]
    private var loadedAt: Int64?
    private var booksSeen: [String: (book: OrderBook?, at: ContinuousClock.Instant)] = [:]
    private let signals = Counter(label: "pipeline.signals")
    private let storeErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "consensus")])
    private let latency = Timer(label: "pipeline.stage_latency", dimensions: [("stage", "consensus")])

    /// Creates the stage.
    ///
    /// - Parameters:
    ///   - books: the CLOB book of a token.
    ///   - baseRule: the configured rule (a basket's own window, members, ratio and upside override it).
    package init(
        input: Input, store: PolybotStore, books: @escaping @Sendable (String) async throws -> OrderBook,
        baseRule: @escaping @Sendable () -> ConsensusRule, events: PipelineEvents, reloadEvery: Int64 = 60,
        logger: Logger
    ) {
        self.input = input
        self.store = store
        self.books = books
        self.baseRule = baseRule
        self.events = events
        self.reloadEvery = reloadEvery
        self.logger = logger
    }

    package func run() async throws {
        defer { output.finish() }
        try await process()
        // Drained: the next stage may finish; this one waits for its own turn to stop (see awaitShutdownTurn).
        output.finish()
        await awaitShutdownTurn()
    }

    /// Handles the input until it ends.
    private func process() async throws {
        // Signals a previous run stored but never acted on (a crash, a stop during an outage) end with a reason.
        let closed = await untilStored("interrupted signals", errors: storeErrors, logger: logger) { _ in
            try await store.signals.closeInterrupted(reason: "interrupted: polybot stopped before acting on it")
        }
        guard let closed else { return }
        if closed > 0 {
            logger.warning("signals interrupted by the last stop closed", metadata: ["count": "\(closed)"])
        }
        for try await scored in input {
            let started = ContinuousClock.now
            await reloadIfDue()
            let trade = scored.trade
            let counts = scored.score?.walletClass == .informed
            var fired: [CopySignal] = []
            for (id, entry) in baskets.sorted(by: { $0.key < $1.key }) {
                guard entry.consensus.members.contains(trade.wallet), counts || entry.manual.contains(trade.wallet)
                else { continue }
                await refreshAsks(Set([trade.asset]).union(entry.consensus.tokens(market: trade.conditionId)))
                var consensus = entry.consensus
                let outcome = consensus.add(trade, now: trade.timestamp) { token in self.booksSeen[token]?.book?.bestAsk
                }
                baskets[id]?.consensus = consensus
                if case .signal(let s) = outcome { fired.append(s) }
            }
            latency.recordNanoseconds(Int64((ContinuousClock.now - started).nanoseconds))
            for signal in fired {
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
                else { return }  // Shutdown while waiting: the trades are stored; the rebuilt window re-evaluates.
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
                await output.send(
                    DetectedSignal(
                        signal: signal, signalId: signalId, eventSlug: trade.eventSlug,
                        arrived: scored.observed.arrived, arrivedAt: scored.observed.arrivedAt,
                        book: seen?.book, bookAt: seen?.at))
            }
        }
    }

    private func refreshAsks(_ tokens: Set<String>) async {
        for token in tokens {
            if let cached = booksSeen[token], ContinuousClock.now - cached.at < .seconds(2) { continue }
            let book = try? await books(token)
            booksSeen[token] = (book, .now)
        }
    }

    /// Reloads baskets and members when due (and on the first trade).
    private func reloadIfDue() async {
        let now = Int64(Date().timeIntervalSince1970)
        if let loadedAt, now - loadedAt < reloadEvery { return }
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
        } catch {
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
