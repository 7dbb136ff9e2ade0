import AsyncAlgorithms
import PolybotCore
import PolybotStore

/// The pipeline's side of the operator ports (``TradingControl``, ``PipelineStatus``): each operator request as one
/// domain step — the approval and its consequences (event, signal status, the risk manager's reservation), the trading
/// state, cooldowns, list and basket changes — so that the API only translates HTTP to these calls.
package struct OperatorActions: TradingControl, PipelineStatus {
    let store: PolybotStore
    let events: PipelineEvents
    let risk: RiskManager<AsyncChannel<SizedOrder>>
    let approvals: ApprovalGateway?
    let filter: WhaleFilter<AsyncStream<ObservedTrade>>
    let listener: TradeListener
    let baskets: @Sendable () async -> Void

    /// The operator surface of a built pipeline.
    package init(_ pipeline: Pipeline, store: PolybotStore) {
        self.store = store
        events = pipeline.events
        risk = pipeline.risk
        approvals = pipeline.approvals
        filter = pipeline.filter
        listener = pipeline.listener
        baskets = pipeline.basketsChanged
    }

    package func riskState() async -> RiskState { await risk.snapshot() }

    package func feedHealth() async -> FeedHealth {
        let h = await listener.health()
        let sweeps = await listener.sweepStats()
        var health = FeedHealth(
            connections: h.connections, lastFrameAt: h.lastFrameAt, stalls: h.stalls, reconnects: h.reconnects,
            lastBackfillAt: h.lastBackfillAt, frames: h.frames, sweeps: sweeps.sweeps,
            sweepRecovered: sweeps.recovered)
        (health.sources, health.chain) = await listener.sourceHealth()
        if let f = await listener.dataAPIFreshness() {
            (health.dataAPIStaleSeconds, health.dataAPIStale) = (f.staleSeconds, f.stale)
        }
        return health
    }

    package func setTradingState(_ state: TradingState, reason: String, actor: String) async throws -> Bool {
        do {
            return try await risk.setTradingState(state, reason: reason, actor: actor)
        } catch let refused as ResumeRefused {
            throw OperatorRefusal(refused.description)
        }
    }

    package func addCooldown(_ lock: Cooldown) async throws { try await risk.addCooldown(lock) }

    package func approve(orderId: Int64, actor: String) async throws -> CopyOrder {
        guard let approvals else { throw OperatorRefusal("the daemon is not in approve mode") }
        let order: CopyOrder
        do {
            order = try await approvals.approve(orderId: orderId, actor: actor).order
        } catch let e as ApprovalError {
            throw OperatorRefusal(e.description)
        }
        events.publish(.order(order))
        if let s = order.signalId {
            try await store.signals.setStatus(id: s, order.signalStatus, reason: order.error ?? "")
        }
        return order
    }

    package func reject(orderId: Int64, actor: String, reason: String) async throws -> CopyOrder {
        guard let approvals else { throw OperatorRefusal("the daemon is not in approve mode") }
        do {
            try await approvals.reject(orderId: orderId, actor: actor, reason: reason)
        } catch let e as ApprovalError {
            throw OperatorRefusal(e.description)
        }
        guard let order = try await store.orders.get(id: orderId) else {
            throw StoreError.notFound("order \(orderId)")
        }
        // The order's reservation ends with it.
        await risk.orderUpdated(order)
        if let s = order.signalId {
            try await store.signals.setStatus(id: s, "rejected", reason: order.error ?? "rejected by the operator")
        }
        events.publish(.order(order))
        return order
    }

    package func whaleListsChanged(allow: Set<Address>, deny: Set<Address>) async {
        await filter.update(lists: allow, deny: deny)
    }

    package func basketsChanged() async { await baskets() }
}
