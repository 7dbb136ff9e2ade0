import Foundation
import Hummingbird
import PolybotCore
import PolybotStore

/// `GET /api/v1/overview`: equity, PnL today and in total, exposure, trading state, feed health.
struct OverviewController {
    let env: APIEnvironment

    struct Feed: Encodable, Sendable {
        var connected: Bool
        var lastFrameAt: Int64?
        var lagSeconds: Int64?
        var stalled: Bool
        var stallSeconds: Int
        var connections: Int
        var reconnects: Int
        var stalls: Int
        var lastBackfillAt: Int64?
        /// Trade frames received so far (the dashboard derives frames/s from two readings).
        var frames: Int
        var restOk: Int
        var restFailed: Int
        var rateLimited: Int
        /// Safety-net sweeps run, and trades they found that the feed had not delivered.
        var sweeps: Int = 0
        var sweepRecovered: Int = 0
        /// Each trade source (chain, RTDS, Data API): trades, newest trade time, whale trades missing past the grace.
        var sources: [Source] = []
        /// True while a source misses whale trades another delivered (the divergence alarm).
        var divergence = false
        /// The chain source: last final block, head, lag in blocks, the final block's time (nil: not running).
        var chain: Chain?
        /// The Data API's `/v2/status`: seconds behind the chain, and whether that passes the grace (the alarm).
        var dataApiStaleSeconds: Int?
        var dataApiStale = false
    }

    struct Source: Encodable, Sendable {
        var name: String
        var trades: Int
        var newestTradeTime: Int64?
        var missing: Int
    }

    struct Chain: Encodable, Sendable {
        var block: Int64
        var head: Int64
        var lagBlocks: Int64
        var blockTime: Int64
        var reorgs: Int
        var retracted: Int
        var refusals: Int
        var combos: Int
        var errors: Int
    }

    struct Overview: Encodable, Sendable {
        var mode: String
        var tradingState: String
        var equity: String
        var startOfDayEquity: String
        var pnlToday: String
        var pnlTotal: String
        var realizedPnl: String
        var unrealizedPnl: String
        /// Taker fees paid on every fill so far (already in the cost basis and the PnL figures).
        var feesPaid: String
        var exposure: String
        var openPositions: Int
        var pendingApprovals: Int
        var feed: Feed
        var streamClients: Int
        var serverTime: Int64
    }

    let cache = OverviewCache()

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/overview") { _, _ -> Response in
            // Why 250 ms: dashboards poll every 2 s; many of them should not multiply the database work.
            if let hit = await cache.fresh(maxAge: .milliseconds(250)) { return try jsonResponse(hit) }
            let o = try await overview()
            await cache.store(o)
            return try jsonResponse(o)
        }
    }

    func overview() async throws -> Overview {
        let now = env.now()
        let open = try await env.store.positions.openPositions(mode: env.mode)
        let totals = try await env.store.positions.totals(mode: env.mode)
        let unrealized = Micros.sum(open.map(\.unrealizedPnl))
        let pending = env.mode == .approve ? try await env.store.execution.pendingApprovals().count : 0
        var state = try await env.store.execution.tradingState(mode: env.mode)?.state ?? .active
        var equity = env.startingEquity + totals.realizedPnl + unrealized
        var startOfDay = equity
        var today = Micros.zero
        let rest = env.restStats()
        var feed = Feed(
            connected: false, lastFrameAt: nil, lagSeconds: nil, stalled: false, stallSeconds: env.feedStallSeconds,
            connections: 0, reconnects: 0, stalls: 0, lastBackfillAt: nil, frames: 0, restOk: rest.ok,
            restFailed: rest.failed,
            rateLimited: rest.rateLimited)
        if let status = env.status {
            let risk = await status.riskState()
            state = risk.tradingState
            equity = risk.equity
            startOfDay = risk.startOfDayEquity
            today = risk.todayPnl
            let h = await status.feedHealth()
            let last = h.lastFrameAt.map { Int64($0.timeIntervalSince1970) }
            let lag = last.map { now - $0 }
            feed = Feed(
                connected: h.connections > 0 && (lag ?? 0) < Int64(env.feedStallSeconds), lastFrameAt: last,
                lagSeconds: lag,
                stalled: (lag ?? 0) >= Int64(env.feedStallSeconds)
                    || (h.connections > 0 && h.lastFrameAt == nil && h.stalls > 0),
                stallSeconds: env.feedStallSeconds, connections: h.connections, reconnects: h.reconnects,
                stalls: h.stalls,
                lastBackfillAt: h.lastBackfillAt.map { Int64($0.timeIntervalSince1970) }, frames: h.frames,
                restOk: rest.ok,
                restFailed: rest.failed, rateLimited: rest.rateLimited)
            (feed.sweeps, feed.sweepRecovered) = (h.sweeps, h.sweepRecovered)
            feed.sources = h.sources.map {
                Source(name: $0.name, trades: $0.trades, newestTradeTime: $0.newestTradeTime, missing: $0.missing)
            }
            feed.divergence = h.sources.contains { $0.missing > 0 }
            (feed.dataApiStaleSeconds, feed.dataApiStale) = (h.dataAPIStaleSeconds, h.dataAPIStale)
            feed.chain = h.chain.map {
                Chain(
                    block: $0.block, head: $0.head, lagBlocks: max(0, $0.head - $0.block), blockTime: $0.blockTime,
                    reorgs: $0.reorgs, retracted: $0.retracted, refusals: $0.refusals, combos: $0.combos,
                    errors: $0.errors)
            }
        }
        return Overview(
            mode: env.mode.rawValue, tradingState: state.rawValue, equity: "\(equity)",
            startOfDayEquity: "\(startOfDay)", pnlToday: "\(today)",
            pnlTotal: "\(totals.realizedPnl + unrealized)", realizedPnl: "\(totals.realizedPnl)",
            unrealizedPnl: "\(unrealized)", feesPaid: "\(totals.fees)",
            exposure: "\(Micros.sum(open.map(\.cost)))", openPositions: open.count, pendingApprovals: pending,
            feed: feed,
            streamClients: env.stream.clientCount, serverTime: now)
    }
}

/// The last overview and when it was computed.
actor OverviewCache {
    private var value: OverviewController.Overview?
    private var at: ContinuousClock.Instant?

    func fresh(maxAge: Duration) -> OverviewController.Overview? {
        guard let at, ContinuousClock.now - at < maxAge else { return nil }
        return value
    }

    func store(_ o: OverviewController.Overview) {
        value = o
        at = .now
    }
}
