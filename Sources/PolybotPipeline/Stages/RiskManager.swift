import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import ServiceLifecycle

/// Pipeline stage 6: the risk manager. Holds the ``RiskState`` (rebuilt from the database at start-up: trading state,
/// open positions, cooldowns, orders of the last minute, today's PnL) and answers every sized order with the pure
/// rules; each decision — approved or denied, with its reason code and numbers — is persisted and published before
/// an approved order moves on. Starts in `reconciling`: it takes nothing from its input until ``reconciled()`` is
/// called, so orders sized meanwhile wait on the edge (nothing is lost, nothing is placed before reconciliation).
package actor RiskManager<Input: AsyncSequence & Sendable>: Service where Input.Element == SizedOrder {
    package nonisolated let output = AsyncChannel<SizedOrder>()
    private let input: Input
    private let store: PolybotStore
    private let mode: RunMode
    private let startingEquity: Micros
    private let events: PipelineEvents
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private var state: RiskState
    /// The stored trading state, applied once reconciliation is done.
    private var storedState: TradingState = .active
    private var day: String
    private var unrealized: Micros = .zero
    private var isReconciled = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let latency = Timer(label: "pipeline.stage_latency", dimensions: [("stage", "risk")])
    private var denials: [DenialReason: Counter] = [:]
    private let approvals = Counter(label: "risk.approved")
    /// `risk_trading_state{state=…}`, one-hot: what dashboards show and the halt / reduce-only alerts watch.
    private let stateGauges = Dictionary(uniqueKeysWithValues: TradingState.allCases.map {
        ($0, Gauge(label: "risk.trading_state", dimensions: [("state", $0.rawValue)]))
    })

    /// Creates the stage (call ``load()`` before running it).
    package init(input: Input, store: PolybotStore, mode: RunMode, limits: RiskLimits, startingEquity: Micros, events: PipelineEvents,
                 logger: Logger, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
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
        for r in DenialReason.allCases { denials[r] = Counter(label: "risk.denied", dimensions: [("reason", r.rawValue)]) }
        for (g, gauge) in stateGauges { gauge.record(g == .reconciling ? 1 : 0) }
    }

    /// Sets the one-hot trading-state gauges to the state in force.
    private func recordTradingState() {
        for (s, gauge) in stateGauges { gauge.record(s == state.tradingState ? 1 : 0) }
    }

    /// Rebuilds the state from the database: equity = starting equity + all realised PnL (+ unrealised at the last
    /// marks); today's PnL from the day's row; open positions' cost per token and event; live cooldowns; the orders
    /// of the last minute. The trading state stays `reconciling` until ``reconciled()``.
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
        s.cooldowns = try await store.execution.cooldowns(activeAt: t)
        s.recentOrders = try await store.orders.placedSince(t - 60)
        let today = try await store.dailyPnl.range(mode: mode, from: day, to: day).first
        s.startOfDayEquity = today?.startEquity ?? s.equity
        s.todayPnl = (today?.realizedPnl ?? .zero) + unrealized
        s.tradingState = .reconciling
        storedState = try await store.execution.tradingState(mode: mode)?.state ?? .active
        state = s
        recordTradingState()
        if today == nil {
            try await store.dailyPnl.upsert(DailyPnl(day: day, mode: mode, startEquity: s.equity, endEquity: s.equity, exposure: s.exposure))
        }
    }

    /// Startup reconciliation is done: trading resumes in the stored state (active unless the operator halted it).
    package func reconciled() {
        isReconciled = true
        for w in waiters { w.resume() }
        waiters.removeAll()
        state.tradingState = storedState
        recordTradingState()
        events.publish(.tradingState(storedState, reason: "reconciled"))
        logger.notice("trading state", metadata: ["risk.state": "\(storedState.rawValue)"])
    }

    package func run() async throws {
        defer { output.finish() }
        if !isReconciled { await withCheckedContinuation { waiters.append($0) } }
        for try await sized in input {
            let started = ContinuousClock.now
            rollDayIfNeeded()
            let request = sized.request
            let decision = state.evaluate(request.intent, now: now())
            do {
                try await store.signals.recordDecision(signalId: request.signalId, decision: decision, intent: request.intent)
                if let id = request.signalId {
                    switch decision {
                    case .approved: try await store.signals.setStatus(id: id, "approved", reason: "")
                    case .denied(let r, _): try await store.signals.setStatus(id: id, "denied", reason: r.rawValue)
                    }
                }
            } catch {
                // Fail closed: a decision that cannot be recorded is not acted on.
                logger.error("risk decision not persisted; order dropped", metadata: ["error": "\(error)"])
                continue
            }
            events.publish(.riskDecision(signalId: request.signalId, decision))
            latency.recordNanoseconds(Int64((ContinuousClock.now - started).nanoseconds))
            switch decision {
            case .approved:
                approvals.increment()
                state.recordOrder(now: now())
                await output.send(sized)
            case .denied(let reason, let context):
                denials[reason]?.increment()
                logger.info("order denied", metadata: ["risk.reason": "\(reason.rawValue)", "risk.context": "\(context)"])
            }
        }
    }

    /// Evaluates an exit (a SELL reducing a position) outside the stream: only the kill switch and the order rate
    /// apply. The decision is persisted like any other.
    package func approveExit(_ intent: OrderIntent) async -> RiskDecision {
        let decision = state.evaluate(intent, now: now())
        try? await store.signals.recordDecision(signalId: nil, decision: decision, intent: intent)
        events.publish(.riskDecision(signalId: nil, decision))
        if decision.isApproved { state.recordOrder(now: now()) }
        return decision
    }

    /// A fill moved a position: exposure, realised PnL and equity follow.
    package func recordFill(_ fill: AppliedFill) {
        guard let applied = fill.applied else { return }
        rollDayIfNeeded()
        state.recordFill(asset: fill.order.asset, eventSlug: fill.order.eventSlug, side: fill.order.side, cost: applied.costChange,
                         realized: applied.realized)
    }

    /// A settlement released a position.
    package func recordSettlement(asset: String, _ applied: PositionAccounting.Applied) {
        state.recordFill(asset: asset, eventSlug: "", side: .sell, cost: applied.costChange, realized: applied.realized)
    }

    /// New marks: the unrealised PnL over open positions is now `total`.
    package func recordMarks(unrealizedTotal total: Micros) {
        rollDayIfNeeded()
        state.recordMark(pnlChange: total - unrealized)
        unrealized = total
        // Dashboards only (Grafana): the books stay in micro units.
        Gauge(label: "pnl.equity_usdc").record(state.equity.doubleValue)
        Gauge(label: "pnl.today_usdc").record(state.todayPnl.doubleValue)
        Gauge(label: "pnl.exposure_usdc").record(state.exposure.doubleValue)
    }

    /// The kill switch and its neighbours, persisted and audited.
    package func setTradingState(_ s: TradingState, reason: String, actor: String) async throws {
        try await store.execution.setTradingState(mode: mode, s, reason: reason, actor: actor)
        try await store.audit.append(actor: actor, action: "trading_state.\(s.rawValue)", target: mode.rawValue,
                                     details: #"{"reason":\#(jsonString(reason))}"#)
        storedState = s
        if state.tradingState != .reconciling { state.tradingState = s }
        recordTradingState()
        events.publish(.tradingState(s, reason: reason))
        logger.notice("trading state changed", metadata: ["risk.state": "\(s.rawValue)", "risk.reason": "\(reason)", "actor": "\(actor)"])
    }

    /// Adds a persisted cooldown lock.
    package func addCooldown(_ c: Cooldown) async throws {
        try await store.execution.addCooldown(c)
        state.cooldowns.append(c)
    }

    /// Replaces the limits (settings changed).
    package func update(limits: RiskLimits) { state.limits = limits }

    /// A copy of the state (dashboard, tests).
    package func snapshot() -> RiskState { state }

    /// Current equity.
    package func equity() -> Micros { state.equity }

    /// The equity the day started with.
    package func dayStart() -> (day: String, equity: Micros) { (day, state.startOfDayEquity) }

    private func rollDayIfNeeded() {
        let today = utcDay(now())
        guard today != day else { return }
        day = today
        state.startDay()
    }
}

/// A JSON string literal.
package func jsonString(_ s: String) -> String {
    let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
    return String(decoding: data, as: UTF8.self)
}
