import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import ServiceLifecycle

/// Pipeline stage 3: persists each whale trade (the database's natural key drops a trade seen twice, e.g. from the
/// feed and a backfill) and attaches the wallet's latest score and class — a cached lookup of the nightly snapshots,
/// never a recompute. Output edge: an `AsyncChannel` (no drops after the whale filter).
package actor WalletScorer<Input: AsyncSequence & Sendable>: PipelineStage where Input.Element == ObservedTrade {
    package nonisolated let output = AsyncChannel<ScoredTrade>()
    package let input: Input
    private let store: PolybotStore
    private let events: PipelineEvents
    private let logger: Logger
    /// Seconds a looked-up score is kept (nil: until ``invalidateScores()``).
    private let cacheTTL: Int64?
    private var cache: [Address: (score: WalletScore?, at: Int64)] = [:]
    private let clock: any PipelineClock
    private let work: WorkGauge?
    private let latency = Timer(label: "pipeline.stage_latency", dimensions: [("stage", "wallet_scorer")])
    private let persisted = Counter(label: "pipeline.whale_trades")
    private let duplicates = Counter(label: "pipeline.whale_trades.duplicates")
    private let storeErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "wallet_scorer")])
    private let scoreErrors = Counter(label: "pipeline.score_lookup_errors")
    private let retractions = Counter(label: "pipeline.whale_trades.retracted")

    /// Creates the stage.
    package init(
        input: Input, store: PolybotStore, events: PipelineEvents, cacheTTL: Int64? = 600,
        clock: any PipelineClock = SystemPipelineClock(), work: WorkGauge? = nil, logger: Logger
    ) {
        self.clock = clock
        self.work = work
        self.input = input
        self.store = store
        self.events = events
        self.cacheTTL = cacheTTL
        self.logger = logger
    }

    /// Stores one whale trade and passes it on with its wallet's score; false on shutdown during an outage.
    package func handle(_ observed: ObservedTrade) async -> Bool {
        let started = ContinuousClock.now  // clock-edge: latency metric
        let trade = observed.trade
        if observed.kind == .retraction { return await retract(observed) }
        // Stored before anything downstream sees it; waits through a database outage (never moves on without it).
        // A shutdown while waiting returns: the trade is newer than the newest stored one, so the restart's
        // backfill brings it back.
        guard
            let (id, retried) = await untilStored(
                "whale trade \(trade.transactionHash)", errors: storeErrors, logger: logger,
                { retry in (try await store.trades.insert(trade), retry) })
        else { return false }
        // No id: the natural key existed — seen before (feed + backfill, or a restart). After a failed attempt it may
        // be this trade's own lost write, so it still flows on (consensus counts a wallet once per trade key).
        if id == nil && !retried {
            duplicates.increment()
            work.end()
            return true
        }
        persisted.increment()
        let scored = ScoredTrade(observed: observed, tradeId: id, score: await score(trade.wallet))
        if let id { events.publish(.whaleTrade(trade, id: id)) }
        latency.recordNanoseconds(Int64((ContinuousClock.now - started).nanoseconds))  // clock-edge: latency metric
        await output.send(scored)
        return true
    }

    /// The wallet's latest score. A failed lookup is not cached (the next trade asks again) and counts as an error;
    /// the trade then carries no score, so the wallet does not count toward consensus on it (never the reverse).
    private func score(_ wallet: Address) async -> WalletScore? {
        let now = clock.now()
        if let hit = cache[wallet], cacheTTL.map({ now - hit.at < $0 }) ?? true { return hit.score }
        do {
            let s = try await store.scores.latest(wallet)
            cache[wallet] = (s, now)
            return s
        } catch {
            scoreErrors.increment()
            logger.error("score lookup failed; not cached", metadata: ["wallet": "\(wallet.hex)", "error": "\(error)"])
            return nil
        }
    }

    /// Forgets cached scores (after a rescoring run).
    package func invalidateScores() { cache.removeAll() }

    /// A trade the chain took back: its chain sighting leaves the stored row (the row goes when no other source saw it),
    /// in order behind the trade's own insert. A signal that fed on it is flagged for the operator (alert and audit),
    /// never silently kept. Returns false on shutdown during an outage (the restart's rewind reads the blocks again).
    private func retract(_ observed: ObservedTrade) async -> Bool {
        let trade = observed.trade
        guard
            let outcome = await untilStored(
                "retraction of \(trade.transactionHash)", errors: storeErrors, logger: logger,
                { _ in try await store.trades.retract(trade.key, source: trade.source) })
        else {
            work.end()
            return false
        }
        retractions.increment()
        guard case .retracted(let id, let deleted, let signals) = outcome else {
            work.end()
            return true
        }
        if deleted {
            // No other source saw it: on to the consensus stage (which ends the work unit), out of every window. A row
            // another source also delivered stays, and so does its evidence (a re-inclusion would not come back).
            await output.send(ScoredTrade(observed: observed, tradeId: id, score: nil))
        } else {
            work.end()
        }
        logger.warning(
            "whale trade retracted by a reorg",
            metadata: [
                "trade.id": "\(id)", "trade.tx": "\(trade.transactionHash)", "trade.deleted": "\(deleted)",
                "trade.signals": "\(signals)",
            ])
        guard !signals.isEmpty else { return true }
        let text =
            "retracted: whale trade #\(id) (\(trade.transactionHash)) was taken back by a chain reorg after signal(s) "
            + signals.map { "#\($0)" }.joined(separator: ", ") + " used it"
        events.publish(.feed(text))
        do {
            try await store.audit.append(
                actor: "chain", action: "trade.retracted", target: "whale_trade:\(id)",
                details:
                    "{\"transaction\":\(jsonString(trade.transactionHash)),\"signals\":[\(signals.map(String.init).joined(separator: ","))]}"
            )
        } catch {
            storeErrors.increment()
            logger.error("retraction not audited; the alert stands", metadata: ["error": "\(error)"])
        }
        return true
    }
}

extension Duration {
    /// Whole nanoseconds.
    package var nanoseconds: Double { Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9 }
}
