import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle
import Synchronization

/// Marks open positions to market every `markEvery` (book midpoint, else the last trade price), keeps the day's
/// `daily_pnl` row current, settles positions when their market resolves, and exits: take-profit / stop-loss
/// (``ExitRules``) and mirroring the copied whales' sells. Exits go through the risk manager (kill switch, order
/// rate) and the same gateway as entries, under deterministic idempotency keys, so a re-delivered whale trade or a
/// restart never sells twice.
package actor PositionTracker: Service {
    /// What the tracker needs from the risk manager.
    package struct RiskHooks: Sendable {
        package var approveExit: @Sendable (OrderIntent) async -> RiskDecision
        package var recordMarks: @Sendable (Micros) async -> Void
        package var recordSettlement: @Sendable (String, PositionAccounting.Applied) async -> Void
        package var equity: @Sendable () async -> Micros
        package var dayStart: @Sendable () async -> (day: String, equity: Micros)
        package var addCooldown: @Sendable (Cooldown) async -> Void
        /// True when a lock of this scope is in force.
        package var hasCooldown: @Sendable (Cooldown.Scope) async -> Bool

        /// Creates hooks.
        package init(
            approveExit: @escaping @Sendable (OrderIntent) async -> RiskDecision,
            recordMarks: @escaping @Sendable (Micros) async -> Void,
            recordSettlement: @escaping @Sendable (String, PositionAccounting.Applied) async -> Void,
            equity: @escaping @Sendable () async -> Micros,
            dayStart: @escaping @Sendable () async -> (day: String, equity: Micros),
            addCooldown: @escaping @Sendable (Cooldown) async -> Void = { _ in },
            hasCooldown: @escaping @Sendable (Cooldown.Scope) async -> Bool = { _ in false }
        ) {
            self.addCooldown = addCooldown
            self.hasCooldown = hasCooldown
            self.approveExit = approveExit
            self.recordMarks = recordMarks
            self.recordSettlement = recordSettlement
            self.equity = equity
            self.dayStart = dayStart
        }
    }

    private let store: PolybotStore
    private let mode: RunMode
    private let books: @Sendable (String) async throws -> OrderBook
    private let resolution: @Sendable (String) async -> (closed: Bool, winner: String?)?
    private let gateway: any OrderGateway
    private let risk: RiskHooks
    private var rules: ExitRules
    private let markEvery: Duration
    private let events: PipelineEvents
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let clock: any PipelineClock
    private let work: WorkGauge?
    private var resolutionCheckedAt: [String: Int64] = [:]
    /// Tokens we hold, readable without waiting on the actor (the whale filter asks for every SELL on the feed), and
    /// whether a fill changed them since the last pass.
    private let held = Mutex<(tokens: Set<String>, changed: Bool)>(([], true))
    /// The day of the last pass that found nothing open (the next passes that day have nothing to do).
    private var quietDay: String?
    /// The open positions as the last pass left them (marks applied), reused until a fill, a settlement or an exit
    /// changes them, and re-read from the database at least every ``rereadEvery`` passes.
    private var openCache: [Position]?
    private var passesSinceRead = 0
    private static let rereadEvery = 10
    /// The day row last written (a pass that would write the same figures again does not).
    private var lastDayWritten: DayMarks?

    private struct DayMarks: Equatable {
        var day: String
        var start: Micros
        var equity: Micros
        var unrealized: Micros
        var exposure: Micros
    }
    private let exits = Counter(label: "positions.exits")
    private let marks = Counter(label: "positions.marks")
    private let mirrorErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "whale_sell_mirror")])
    /// Marking passes, settlements and exits that could not read or write what they needed (retried on the next pass).
    private let markErrors = Counter(label: "pipeline.errors", dimensions: [("stage", "position_marks")])
    /// Whale sells waiting to be mirrored, so the whale filter never waits on this tracker.
    private let sells = AsyncStream<ObservedTrade>.makeStream()

    /// Creates the tracker.
    ///
    /// - Parameters:
    ///   - resolution: whether a market (condition id) is closed and its winning token (the CLOB's market record).
    ///   - gateway: where exit orders go (the run mode's gateway).
    package init(
        store: PolybotStore, mode: RunMode, books: @escaping @Sendable (String) async throws -> OrderBook,
        resolution: @escaping @Sendable (String) async -> (closed: Bool, winner: String?)?, gateway: any OrderGateway,
        risk: RiskHooks, rules: ExitRules, markEvery: Duration = .seconds(30), events: PipelineEvents, logger: Logger,
        clock: any PipelineClock = SystemPipelineClock(), work: WorkGauge? = nil
    ) {
        self.clock = clock
        self.work = work
        self.store = store
        self.mode = mode
        self.books = books
        self.resolution = resolution
        self.gateway = gateway
        self.risk = risk
        self.rules = rules
        self.markEvery = markEvery
        self.events = events
        self.logger = logger
        self.now = { clock.now() }
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await observed in self.sells.stream {
                        await self.observe(observed)
                        self.work.end()
                    }
                }
                await self.markOnce()
                // Every `markEvery` of the pipeline clock (market time in replay, where the driver runs the passes).
                await self.clock.every(self.markEvery) { await self.markOnce() }
                group.cancelAll()
            }
        }
    }

    /// Queues a whale SELL for mirroring (returns at once; the tracker's run loop mirrors it in order).
    package nonisolated func enqueueSell(_ observed: ObservedTrade) {
        work.begin()
        sells.continuation.yield(observed)
    }

    /// Replaces the exit rules (settings changed).
    package func update(rules: ExitRules) { self.rules = rules }

    /// One marking pass: marks, settlements, take-profit / stop-loss, the day's PnL row.
    package func markOnce() async {
        // Nothing held and no fill since a pass that found nothing open today: nothing to mark, settle or write.
        let (day, _) = await risk.dayStart()
        let (empty, changed) = held.withLock { h in
            defer { h.changed = false }
            return (h.tokens.isEmpty, h.changed)
        }
        if empty, !changed, quietDay == day { return }
        let open: [Position]
        if let cached = openCache, !changed, passesSinceRead < Self.rereadEvery {
            open = cached
            passesSinceRead += 1
        } else {
            do { open = try await store.positions.openPositions(mode: mode) } catch {
                // No marks, no stop-loss and no settlement this pass: loud, and retried on the next one.
                markErrors.increment()
                openCache = nil
                logger.error("open positions unreadable; nothing marked this pass", metadata: ["error": "\(error)"])
                return
            }
            passesSinceRead = 0
            held.withLock { $0.tokens = Set(open.map(\.asset)) }
        }
        quietDay = open.isEmpty ? day : nil
        var unrealized = Micros.zero
        var exposure = Micros.zero
        var kept: [Position] = []
        var acted = false
        defer { openCache = acted ? nil : kept }
        for var p in open {
            if let settled = await settleIfResolved(p) {
                await risk.recordSettlement(p.asset, settled)
                acted = true
                continue
            }
            defer { kept.append(p) }
            let book: OrderBook
            do { book = try await books(p.asset) } catch {
                // Unmarked means no take-profit or stop-loss for this position this pass: say so.
                markErrors.increment()
                logger.error(
                    "book unreadable; position not marked this pass",
                    metadata: ["position.id": "\(p.id)", "error": "\(error)"])
                unrealized += p.unrealizedPnl
                exposure += p.cost
                continue
            }
            if let mark = book.midpoint ?? book.lastTradePrice {
                // Written when it moved (an unchanged mark is already stored; a failed write is retried next pass).
                if p.markPrice != mark {
                    p.markPrice = mark
                    do { try await store.positions.update(p) } catch {
                        markErrors.increment()
                        acted = true
                        logger.warning(
                            "mark not stored; the exit rules still use it",
                            metadata: ["position.id": "\(p.id)", "error": "\(error)"])
                    }
                }
                marks.increment()
                if let reason = rules.priceExit(p, mark: mark), let bid = book.bestBid {
                    let placed = await retryingExit(p, price: bid, reason: reason, book: book)
                    if placed { acted = true }
                    if placed, reason == .stopLoss, rules.cooldownAfterStopSeconds > 0,
                        !(await risk.hasCooldown(.market(p.conditionId)))
                    {
                        // No new entry in a market that just stopped us out, for the configured time (one lock, not one per retry).
                        await risk.addCooldown(
                            Cooldown(
                                scope: .market(p.conditionId), until: now() + rules.cooldownAfterStopSeconds,
                                reason: "stop-loss on position \(p.id)"))
                    }
                }
            }
            unrealized += p.unrealizedPnl
            exposure += p.cost
        }
        await risk.recordMarks(unrealized)
        await writeDay(unrealized: unrealized, exposure: exposure)
    }

    /// Writes the mark columns of the day's row only (realised PnL and fees belong to fills and settlements).
    private func writeDay(unrealized: Micros, exposure: Micros) async {
        let (day, start) = await risk.dayStart()
        let equity = await risk.equity()
        let figures = DayMarks(day: day, start: start, equity: equity, unrealized: unrealized, exposure: exposure)
        if figures == lastDayWritten { return }
        do {
            try await store.dailyPnl.mark(
                day: day, mode: mode, startEquity: start, endEquity: equity, unrealized: unrealized, exposure: exposure)
            lastDayWritten = figures
        } catch {
            logger.warning("day's marks not written; written on the next pass", metadata: ["error": "\(error)"])
        }
    }

    /// A price exit (take-profit, stop-loss) that is retried until the position is flat: each attempt has its own
    /// idempotency key (`exit:<position>:<reason>:<n>`), a new one only once the previous attempt has finished (expired,
    /// filled in part, cancelled, rejected), and never while one is still working. Returns true when an attempt was
    /// placed now.
    private func retryingExit(_ p: Position, price: Micros, reason: ExitReason, book: OrderBook) async -> Bool {
        let prefix = "exit:\(p.id):\(reason.rawValue):"
        let attempts: [CopyOrder]
        do { attempts = try await store.orders.orders(keyPrefix: prefix) } catch {
            logger.error(
                "exit attempts unreadable; exit retried on the next pass",
                metadata: ["position.id": "\(p.id)", "error": "\(error)"])
            return false
        }
        if attempts.contains(where: { !$0.status.isTerminal }) { return false }
        return await exit(
            p, shares: p.size, price: price, reason: reason, key: prefix + "\(attempts.count + 1)", book: book)
    }

    private func settleIfResolved(_ p: Position) async -> PositionAccounting.Applied? {
        let t = now()
        // Why 5 minutes: resolutions are rare; one CLOB market read per market every 5 minutes is plenty.
        if let last = resolutionCheckedAt[p.conditionId], t - last < 300 { return nil }
        resolutionCheckedAt[p.conditionId] = t
        guard let r = await resolution(p.conditionId), r.closed, let winner = r.winner else { return nil }
        let (day, _) = await risk.dayStart()
        let settled: PositionAccounting.Applied?
        do {
            settled = try await store.execution.settle(
                positionId: p.id, won: winner == p.asset, day: day, equity: await risk.equity())
        } catch {
            // Tried again on the next pass (not in 5 minutes): the market is known to be resolved.
            resolutionCheckedAt[p.conditionId] = nil
            markErrors.increment()
            logger.error(
                "resolved market not settled; retried on the next pass",
                metadata: ["position.id": "\(p.id)", "error": "\(error)"])
            return nil
        }
        guard let applied = settled else { return nil }  // nothing left to settle
        exits.increment()
        events.publish(.position(applied.position))
        logger.notice(
            "position settled",
            metadata: ["position.id": "\(p.id)", "won": "\(winner == p.asset)", "pnl": "\(applied.realized)"])
        return applied
    }

    /// True when we hold this token (cheap, for the feed's every SELL).
    package nonisolated func holds(_ asset: String) -> Bool { held.withLock { $0.tokens.contains(asset) } }

    /// A fill changed what we hold.
    package nonisolated func positionChanged(_ p: Position) {
        held.withLock { h in
            if p.status == .open { h.tokens.insert(p.asset) } else { h.tokens.remove(p.asset) }
            h.changed = true
        }
    }

    /// A SELL on the feed: if a whale whose buy we copied sold, sell the same share of our position.
    package func observe(_ observed: ObservedTrade) async {
        guard rules.mirrorWhaleSells, observed.trade.side == .sell, holds(observed.trade.asset) else { return }
        // Database reads wait through an outage (the sell is mirrored once it answers, never dropped).
        _ = await untilStored(
            "mirror of whale sell \(observed.trade.transactionHash)", errors: mirrorErrors, logger: logger
        ) { _ in try await mirror(observed) }
    }

    private func mirror(_ observed: ObservedTrade) async throws {
        let trade = observed.trade
        do {
            guard let p = try await store.positions.openPosition(mode: mode, asset: trade.asset),
                let signalId = p.entrySignalId
            else { return }
            let agreeing = try await store.signals.agreeingWallets(signalId: signalId)
            guard agreeing.contains(trade.wallet) else { return }
            let bought = try await store.trades.trades(wallet: trade.wallet, since: trade.timestamp - 90 * 86_400)
                .filter { $0.trade.asset == trade.asset && $0.trade.side == .buy }
                .reduce(Micros.zero) { $0 + $1.trade.size }
            let entry = try await store.orders.get(idempotencyKey: "entry:\(signalId)")?.filledSize ?? p.size
            let shares = ExitRules.mirroredShares(
                entryShares: entry, held: p.size, whaleSold: trade.size, whaleBought: bought,
                agreeing: agreeing.count)
            guard shares > .zero else { return }
            // Like no bid, an unreadable book is not retried (a resolved market's book may be gone for good, and the
            // queue of sells must not wait on it); it is counted and logged, and the exit rules still apply.
            let book: OrderBook
            do { book = try await books(trade.asset) } catch {
                markErrors.increment()
                logger.error(
                    "whale sold but the book is unreadable; sell not mirrored",
                    metadata: ["position.id": "\(p.id)", "error": "\(error)"])
                return
            }
            guard let bid = book.bestBid else {
                logger.warning("whale sold but there is no bid to sell into", metadata: ["position.id": "\(p.id)"])
                return
            }
            await exit(
                p, shares: shares, price: bid, reason: .whaleSold,
                key: "exit:\(p.id):whale:\(trade.transactionHash):\(trade.wallet.hex)", book: book,
                detectedAtMs: observed.detectedAtMs)
        }
    }

    @discardableResult
    private func exit(
        _ p: Position, shares: Micros, price: Micros, reason: ExitReason, key: String, book: OrderBook,
        detectedAtMs: Int64? = nil
    ) async -> Bool {
        let lots = Micros((shares.raw / 10_000) * 10_000)
        guard lots > .zero else { return false }
        // The order is signed for the market's tick size and exchange (neg-risk or not): from the venue, never assumed.
        guard let tickSize = book.tickSize, let negRisk = book.negRisk else {
            markErrors.increment()
            logger.error(
                "book without tick size or neg-risk flag; exit retried on the next pass",
                metadata: ["position.id": "\(p.id)", "exit.reason": "\(reason.rawValue)"])
            return false
        }
        let intent = OrderIntent(
            signalKey: key, basketId: nil, conditionId: p.conditionId, eventSlug: p.eventSlug, asset: p.asset,
            side: .sell,
            price: price, shares: lots, whalePrice: price, wallets: [])
        guard case .approved = await risk.approveExit(intent) else {
            logger.warning(
                "exit denied by risk", metadata: ["position.id": "\(p.id)", "exit.reason": "\(reason.rawValue)"])
            return false
        }
        let request = ExecutionRequest(
            intent: intent, signalId: nil, purpose: .exit, idempotencyKey: key, tickSize: tickSize,
            negRisk: negRisk, minimumSize: nil, orderType: .gtd, lifetimeSeconds: 120,
            outcome: p.outcome, detectedAtMs: detectedAtMs ?? clock.nowMs())
        do {
            let outcome = try await gateway.place(request)
            exits.increment()
            events.publish(.order(outcome.order))
            logger.notice(
                "exit order",
                metadata: [
                    "position.id": "\(p.id)", "exit.reason": "\(reason.rawValue)", "exit.shares": "\(lots)",
                    "order.status": "\(outcome.order.status.rawValue)",
                ])
            if case .alreadyPlaced = outcome { return false }
            return true
        } catch {
            logger.error("exit order failed", metadata: ["position.id": "\(p.id)", "error": "\(error)"])
            return false
        }
    }
}
