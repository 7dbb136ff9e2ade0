import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Pipeline stage 5: turns a signal into a limit price on the market's tick — the highest whose price + fee stays within
/// the whales' average plus the slippage cap, so the order takes the book up to there — and an order size
/// (``PositionSizing``) priced **at that limit** plus the market's taker fee, so spend never exceeds the stake.
/// The book also gives the tick, the minimum size and whether the market is neg-risk; a book that does not say is not
/// traded. A signal that cannot be sized is marked `skipped` with the reason and stops here.
package actor PositionSizer<Input: AsyncSequence & Sendable>: PipelineStage where Input.Element == DetectedSignal {
    package nonisolated let output: AsyncChannel<SizedOrder>
    package let input: Input
    private let store: PolybotStore
    private let books: @Sendable (String) async throws -> OrderBook
    private let clock: any PipelineClock
    private let work: WorkGauge?
    private let mode: @Sendable () -> SizingMode
    private let slippageCap: @Sendable () -> Micros
    private let equity: @Sendable () async -> Micros
    private let orderType: OrderType
    private let lifetimeSeconds: Int64
    private let events: PipelineEvents
    private let logger: Logger
    private let skipped = Counter(label: "pipeline.signals.skipped")
    private let statusErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "position_sizer")])
    private let latency = Timer(label: "pipeline.stage_latency", dimensions: [("stage", "sizer")])

    /// Creates the stage.
    package init(
        input: Input, store: PolybotStore, books: @escaping @Sendable (String) async throws -> OrderBook,
        mode: @escaping @Sendable () -> SizingMode, slippageCap: @escaping @Sendable () -> Micros,
        equity: @escaping @Sendable () async -> Micros, orderType: OrderType = .gtd,
        lifetimeSeconds: Int64 = 300, output: AsyncChannel<SizedOrder> = .init(),
        clock: any PipelineClock = SystemPipelineClock(), work: WorkGauge? = nil, events: PipelineEvents, logger: Logger
    ) {
        self.clock = clock
        self.work = work
        self.input = input
        self.output = output
        self.store = store
        self.books = books
        self.mode = mode
        self.slippageCap = slippageCap
        self.equity = equity
        self.orderType = orderType
        self.lifetimeSeconds = lifetimeSeconds
        self.events = events
        self.logger = logger
    }

    /// Sizes one signal and passes the order on, or ends the signal `skipped` with the reason.
    package func handle(_ detected: DetectedSignal) async -> Bool {
        let started = ContinuousClock.now  // clock-edge: latency metric
        let result = await size(detected)
        latency.recordNanoseconds(Int64((ContinuousClock.now - started).nanoseconds))  // clock-edge: latency metric
        switch result {
        case .success(let sized): await output.send(sized)
        case .failure(let skip):
            let reason = skip.reason
            skipped.increment()
            _ = await untilStored("skip of signal \(detected.signalId)", errors: statusErrors, logger: logger) {
                _ in
                try await store.signals.setStatus(id: detected.signalId, "skipped", reason: reason)
            }
            events.publish(.signalSkipped(signalId: detected.signalId, reason: reason))
            logger.info("signal skipped", metadata: ["signal.id": "\(detected.signalId)", "reason": "\(reason)"])
            work.end()
        }
        return true
    }

    private struct Skip: Error { var reason: String }

    private func size(_ d: DetectedSignal) async -> Result<SizedOrder, Skip> {
        let s = d.signal
        let book: OrderBook
        // Why 100 ms: the consensus stage's book is reused only when it was read for this very signal (the hand-over
        // takes microseconds); anything older is read again, since the limit price is set from it.
        if let seen = d.book, let at = d.bookAtMs, clock.nowMs() - at < 100 {
            book = seen
        } else {
            do { book = try await books(s.asset) } catch { return .failure(Skip(reason: "no_book")) }
        }
        guard let ask = book.bestAsk else { return .failure(Skip(reason: "no_ask")) }
        // The market's terms come from its book, never from an assumption: unknown → not traded (counted, named).
        guard let tick = book.tickSize else { return .failure(Skip(reason: "tick_size_unknown")) }
        guard let minimum = book.minOrderSize else { return .failure(Skip(reason: "minimum_size_unknown")) }
        guard let negRisk = book.negRisk else { return .failure(Skip(reason: "neg_risk_unknown")) }
        // The limit (``LimitPrice``): as far above the whales' price as the slippage cap allows. The stake is sized
        // **at this limit** (price + fee at the limit), so a fill up to the limit never spends more than the stake.
        let t = Micros(tick.micros)
        let limit = LimitPrice.buy(
            whalePrice: s.whaleAveragePrice, slippage: slippageCap(), ask: ask, tick: t, fees: d.fees)
        // Kelly needs the outcome's probability: the limit plus the agreeing wallets' proven edge (each one's lower
        // bound; ``OutcomeProbability``). None with evidence → `no_score`; scores unreadable → `score_unavailable`.
        // Never a win rate, never a made-up 0.5.
        let sizing = mode()
        var p: Double?
        var used = s.scoreIds
        if case .fractionalKelly = sizing {
            let scores: [Address: WalletScore]
            do { scores = try await store.scores.latest(wallets: s.agreeing, excludingRun: nil) } catch {
                logger.error(
                    "scores unavailable; signal not sized",
                    metadata: ["signal.id": "\(d.signalId)", "error": "\(error)"])
                return .failure(Skip(reason: "score_unavailable"))
            }
            let evidence = s.agreeing.compactMap { scores[$0]?.edgeEvidence }
            used = s.agreeing.compactMap { scores[$0]?.snapshotId }
            p = OutcomeProbability.estimate(price: limit, members: evidence)
        }
        let decision = PositionSizing.size(
            SizingInput(
                price: limit, outcomeProbability: p, equity: await equity(), whaleNotional: s.whaleNotional,
                tick: Micros(tick.micros),
                minimumShares: minimum, fees: d.fees),
            mode: sizing)
        switch decision {
        case .skip(let reason): return .failure(Skip(reason: reason.rawValue))
        case .size(let shares, let price, _):
            var intent = OrderIntent(
                signalKey: s.key, basketId: s.basketId, conditionId: s.conditionId, eventSlug: d.eventSlug,
                asset: s.asset,
                side: .buy, price: price, shares: shares, whalePrice: s.whaleAveragePrice, wallets: s.agreeing,
                fees: d.fees)
            intent.scoreIds = used
            let request = ExecutionRequest(
                intent: intent, signalId: d.signalId, tickSize: tick, negRisk: negRisk,
                minimumSize: minimum, orderType: orderType, lifetimeSeconds: lifetimeSeconds, outcome: s.outcome,
                detectedAtMs: d.detectedAtMs)
            return .success(SizedOrder(request: request, arrived: d.arrived))
        }
    }
}
