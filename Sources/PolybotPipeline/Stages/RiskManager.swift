import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Pipeline stage 6: the risk manager. Holds the ``RiskState`` (rebuilt from the database at start-up: trading state,
/// open positions, cooldowns, orders of the last minute, today's PnL) and answers every sized order with the pure
/// rules; each decision — approved or denied, with its reason code and numbers — is persisted and published before
/// an approved order moves on. Starts in `reconciling`: it takes nothing from its input until ``reconciled()`` is
/// called, so orders sized meanwhile wait on the edge (nothing is lost, nothing is placed before reconciliation).
package actor RiskManager<Input: AsyncSequence & Sendable>: PipelineStage where Input.Element == SizedOrder {
    package nonisolated let output = AsyncChannel<SizedOrder>()
    /// The trading state as the last step before the venue reads it (set in memory before anything is written).
    package nonisolated let gate: TradingGate
    package let input: Input
    let store: PolybotStore
    let mode: RunMode
    let startingEquity: Micros
    let events: PipelineEvents
    let logger: Logger
    let now: @Sendable () -> Int64
    let work: WorkGauge?
    var state: RiskState
    /// The stored trading state, applied once reconciliation is done.
    var storedState: TradingState = .active
    var day: String
    var unrealized: Micros = .zero
    var isReconciled = false
    var waiters: [CheckedContinuation<Void, Never>] = []
    /// A trading-state change in force in memory but not yet written (the database was down).
    var pendingPersist: PendingState?
    /// Where such a change is kept across a restart.
    let pendingFile: PendingStateFile?
    /// Whether the daily loss stop has already cancelled resting entries today.
    var lossStopActed = false
    var cancelResting: (@Sendable (_ entriesOnly: Bool) async -> Void)?
    var resumeCheck: (@Sendable () async -> [String])?
    let unrecorded = Counter(label: "risk.unpersisted")
    /// How long a trading-state change waits for the database before it is left to ``flushPendingState()``.
    let persistTimeout: Duration = .seconds(2)
    let latency = Timer(label: "pipeline.stage_latency", dimensions: [("stage", "risk")])
    var denials: [DenialReason: Counter] = [:]
    let approvals = Counter(label: "risk.approved")
    /// `risk_trading_state{state=…}`, one-hot: what dashboards show and the halt / reduce-only alerts watch.
    let stateGauges = Dictionary(
        uniqueKeysWithValues: TradingState.allCases.map {
            ($0, Gauge(label: "risk.trading_state", dimensions: [("state", $0.rawValue)]))
        })

    /// Creates the stage (call ``load()`` before running it).
    package init(
        input: Input, store: PolybotStore, mode: RunMode, limits: RiskLimits, startingEquity: Micros,
        events: PipelineEvents,
        logger: Logger, pendingStateFile: PendingStateFile? = nil,
        clock: any PipelineClock = SystemPipelineClock(), work: WorkGauge? = nil, gate: TradingGate = TradingGate(nil)
    ) {
        self.gate = gate
        self.work = work
        let now: @Sendable () -> Int64 = { clock.now() }
        self.pendingFile = pendingStateFile
        self.input = input
        self.store = store
        self.mode = mode
        self.startingEquity = startingEquity
        self.events = events
        self.logger = logger
        self.now = now
        var s = RiskState(limits: limits, equity: startingEquity)
        s.tradingState = .reconciling
        state = s
        day = utcDay(now())
        for r in DenialReason.allCases {
            denials[r] = Counter(label: "risk.denied", dimensions: [("reason", r.rawValue)])
        }
        for (g, gauge) in stateGauges { gauge.record(g == .reconciling ? 1 : 0) }
    }

    /// Sets the one-hot trading-state gauges to the state in force.
    func recordTradingState() {
        for (s, gauge) in stateGauges { gauge.record(s == state.tradingState ? 1 : 0) }
    }

    /// Rebuilds the state from the database: equity = starting equity + all realised PnL (+ unrealised at the last
    /// marks); open positions' cost per token and event; **reservations** for every entry that has not finished
    /// (queued for approval, being placed, resting); live cooldowns; the orders of the last minute; the day's start
    /// equity from its row. Today's PnL is then equity − start-of-day equity, so a restart never counts unrealised PnL
    /// made on earlier days as today's. The trading state stays `reconciling` until ``reconciled()``.
    package func load() async throws {
        let t = now()
        day = utcDay(t)
        let totals = try await store.positions.totals(mode: mode)
        let open = try await store.positions.openPositions(mode: mode)
        unrealized = Micros.sum(open.map(\.unrealizedPnl))
        var s = RiskState(limits: state.limits, equity: startingEquity + totals.realizedPnl + unrealized)
        for p in open {
            s.positions[p.asset, default: .zero] += p.cost
            s.positionEvents[p.asset] = p.eventSlug
        }
        for o in try await store.orders.open() where o.mode == mode && o.side == .buy && o.purpose == .entry {
            s.reservations[o.idempotencyKey] = Reservation(
                key: o.idempotencyKey, asset: o.asset, eventSlug: o.eventSlug,
                notional: o.size.multiplied(by: o.price), filled: o.filledCost)
        }
        s.cooldowns = try await store.execution.cooldowns(activeAt: t)
        s.recentOrders = try await store.orders.placedSince(t - 60)
        let today = try await store.dailyPnl.range(mode: mode, from: day, to: day).first
        s.startOfDayEquity = today?.startEquity ?? s.equity
        s.tradingState = .reconciling
        storedState = try await store.execution.tradingState(mode: mode)?.state ?? .active
        if let pendingFile {
            // A halt made while the database was down, before a restart: the more cautious state wins and is written.
            do {
                if let change = try pendingFile.read(), change.state.caution >= storedState.caution {
                    storedState = change.state
                    pendingPersist = change
                    logger.notice(
                        "trading state from the pending file", metadata: ["risk.state": "\(change.state.rawValue)"])
                } else {
                    try pendingFile.remove()
                }
            } catch {
                storedState = .halted
                pendingPersist = PendingState(
                    state: .halted, reason: "pending trading-state file unreadable: \(error)", actor: "system")
                logger.error("pending trading-state file unreadable; starting halted", metadata: ["error": "\(error)"])
            }
        }
        lossStopActed = s.dailyLossStopReached
        state = s
        gate.set(storedState)
        recordTradingState()
        if today == nil {
            try await store.dailyPnl.upsert(
                DailyPnl(day: day, mode: mode, startEquity: s.equity, endEquity: s.equity, exposure: s.exposure))
        }
    }

    /// Startup reconciliation is done: trading resumes in the stored state (active unless the operator halted it),
    /// or in the more cautious state a failed write left in memory.
    package func reconciled() {
        isReconciled = true
        for w in waiters { w.resume() }
        waiters.removeAll()
        state.tradingState = storedState
        recordTradingState()
        events.publish(.tradingState(storedState, reason: "reconciled"))
        logger.notice("trading state", metadata: ["risk.state": "\(storedState.rawValue)"])
    }

    /// Installs what the risk manager drives but does not own: cancelling our resting orders (all of them, or only
    /// entries) and the reconciliation that must pass before trading resumes.
    package func install(
        cancelResting: @escaping @Sendable (_ entriesOnly: Bool) async -> Void,
        resumeCheck: @escaping @Sendable () async -> [String]
    ) {
        self.cancelResting = cancelResting
        self.resumeCheck = resumeCheck
    }

    /// Waits until the start-up reconciliation has released trading decisions.
    package func prepare() async -> Bool {
        if !isReconciled {
            await withTaskCancellationHandler {
                await withCheckedContinuation { waiters.append($0) }
            } onCancel: {
                Task { await self.releaseWaiters() }
            }
        }
        return true
    }

    /// Decides on one order: approved ones go on, denied ones end with the reason.
    package func handle(_ sized: SizedOrder) async -> Bool {
        let started = ContinuousClock.now  // clock-edge: latency metric
        rollDayIfNeeded()
        let request = sized.request
        let decision = state.approve(request.intent, key: request.idempotencyKey, now: now())
        do {
            try await store.signals.recordDecision(
                signalId: request.signalId, decision: decision, intent: request.intent)
            if let id = request.signalId {
                switch decision {
                case .approved: try await store.signals.setStatus(id: id, "approved", reason: "")
                case .denied(let r, _): try await store.signals.setStatus(id: id, "denied", reason: r.rawValue)
                }
            }
        } catch {
            // Fail closed: a decision that cannot be recorded is not acted on (and reserves nothing).
            state.release(key: request.idempotencyKey)
            unrecorded.increment()
            logger.error("risk decision not persisted; order dropped", metadata: ["error": "\(error)"])
            events.publish(
                .reconciliation(problems: [
                    "risk decision for signal \(request.signalId.map { "\($0)" } ?? "-") not persisted: \(error)"
                ]))
            // The signal still gets its outcome, once the database answers again.
            if let id = request.signalId {
                _ = await untilStored("outcome of signal \(id)", errors: unrecorded, logger: logger) { _ in
                    try await store.signals.setStatus(id: id, "failed", reason: "risk decision not persisted")
                }
            }
            work.end()
            return true
        }
        events.publish(.riskDecision(signalId: request.signalId, decision))
        latency.recordNanoseconds(Int64((ContinuousClock.now - started).nanoseconds))  // clock-edge: latency metric
        switch decision {
        case .approved:
            approvals.increment()
            await output.send(sized)
        case .denied(let reason, let context):
            denials[reason]?.increment()
            logger.info(
                "order denied", metadata: ["risk.reason": "\(reason.rawValue)", "risk.context": "\(context)"])
            work.end()
        }
        return true
    }

    func releaseWaiters() {
        for w in waiters { w.resume() }
        waiters.removeAll()
    }

    /// Evaluates an exit (a SELL reducing a position) outside the stream: only the kill switch applies (the entry
    /// order rate never blocks an exit). The decision is persisted like any other; a failed write is logged, and the
    /// exit still goes ahead when approved, because getting flat must not depend on the database.
    package func approveExit(_ intent: OrderIntent) async -> RiskDecision {
        let decision = state.evaluate(intent, now: now())
        do {
            try await store.signals.recordDecision(signalId: nil, decision: decision, intent: intent)
        } catch {
            unrecorded.increment()
            logger.error(
                "exit decision not persisted",
                metadata: ["error": "\(error)", "risk.approved": "\(decision.isApproved)"])
        }
        events.publish(.riskDecision(signalId: nil, decision))
        return decision
    }

    /// Re-runs every rule for an order an operator wants to approve from the queue, with the state, limits and trading
    /// state in force now and a freshly read book (no book: denied, nothing is sent on a guess). On approval the
    /// order's reservation is renewed; the decision is persisted either way.
    package func recheckApproval(_ order: CopyOrder, book: OrderBook?) async throws -> RiskDecision {
        rollDayIfNeeded()
        let intent = OrderIntent(
            signalKey: order.idempotencyKey, basketId: nil, conditionId: order.conditionId, eventSlug: order.eventSlug,
            asset: order.asset, side: order.side, price: order.price, shares: order.size,
            whalePrice: order.whalePrice ?? order.price, wallets: [])
        let decision: RiskDecision
        if state.tradingState == .halted || state.tradingState == .reconciling || state.tradingState == .reduceOnly {
            decision = state.evaluate(intent, now: now(), excluding: order.idempotencyKey)
        } else if book?.bestAsk == nil {
            decision = .denied(.noBook, context: ["asset": order.asset])
        } else {
            decision = state.approve(intent, key: order.idempotencyKey, now: now())
        }
        try await store.signals.recordDecision(signalId: order.signalId, decision: decision, intent: intent)
        events.publish(.riskDecision(signalId: order.signalId, decision))
        if case .denied(let reason, _) = decision { denials[reason]?.increment() }
        return decision
    }

    /// An order moved (placement outcome, fill, cancel, expiry, rejection): its reservation follows.
    package func orderUpdated(_ order: CopyOrder) {
        state.orderProgress(key: order.idempotencyKey, filledCost: order.filledCost, finished: order.status.isTerminal)
    }

    /// A placement ended without any stored order: its reservation is released.
    package func placementAbandoned(key: String) { state.release(key: key) }

    /// The startup service's 5 s pass: ``flushPendingState()`` and ``sweepReservations()``, in one hop.
    package func housekeeping() async {
        if pendingPersist != nil { _ = await flushPendingState() }
        if !state.reservations.isEmpty { await sweepReservations() }
    }

    /// Drops reservations whose order has finished (a safety net behind ``orderUpdated(_:)``; the startup service calls
    /// it every 5 s).
    package func sweepReservations() async {
        for key in Array(state.reservations.keys) {
            do {
                if let o = try await store.orders.get(idempotencyKey: key) { orderUpdated(o) }
            } catch {
                // Keeping a reservation too long only makes the caps stricter: fail closed.
                logger.warning("reservation not checked", metadata: ["order.key": "\(key)", "error": "\(error)"])
                return
            }
        }
    }

    /// A fill moved a position: the order's reservation, exposure, realised PnL and equity follow.
    package func recordFill(_ fill: AppliedFill) async {
        orderUpdated(fill.order)
        guard let applied = fill.applied else { return }
        rollDayIfNeeded()
        state.recordFill(
            asset: fill.order.asset, eventSlug: fill.order.eventSlug, side: fill.order.side, cost: applied.costChange,
            realized: applied.realized)
        await checkLossStop()
    }

    /// A settlement released a position.
    package func recordSettlement(asset: String, _ applied: PositionAccounting.Applied) async {
        state.recordFill(asset: asset, eventSlug: "", side: .sell, cost: applied.costChange, realized: applied.realized)
        await checkLossStop()
    }

    /// New marks: the unrealised PnL over open positions is now `total`.
    package func recordMarks(unrealizedTotal total: Micros) async {
        rollDayIfNeeded()
        state.recordMark(pnlChange: total - unrealized)
        unrealized = total
        // Dashboards only (Grafana): the books stay in micro units.
        Gauge(label: "pnl.equity_usdc").record(state.equity.doubleValue)
        Gauge(label: "pnl.today_usdc").record(state.todayPnl.doubleValue)
        Gauge(label: "pnl.exposure_usdc").record(state.exposure.doubleValue)
        await checkLossStop()
    }

    /// Adds a persisted cooldown lock (in memory even when the write fails: a lock is the safe side).
    package func addCooldown(_ c: Cooldown) async throws {
        state.cooldowns.append(c)
        try await store.execution.addCooldown(c)
    }

    /// True when a lock of this scope is in force now.
    package func hasCooldown(_ scope: Cooldown.Scope) -> Bool {
        let t = now()
        return state.cooldowns.contains { $0.scope == scope && $0.until > t }
    }

    /// Replaces the limits (settings changed).
    package func update(limits: RiskLimits) { state.limits = limits }

    /// A copy of the state (dashboard, tests).
    package func snapshot() -> RiskState { state }

    /// Current equity.
    package func equity() -> Micros { state.equity }

    /// The equity the day started with.
    package func dayStart() -> (day: String, equity: Micros) { (day, state.startOfDayEquity) }

    func rollDayIfNeeded() {
        let today = utcDay(now())
        guard today != day else { return }
        day = today
        state.startDay()
        lossStopActed = false
    }
}
