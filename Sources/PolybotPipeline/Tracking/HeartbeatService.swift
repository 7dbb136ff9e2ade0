import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// The venue's dead-man switch (venue facts §4.4): while Polybot has orders resting on the CLOB it sends
/// `POST /v1/heartbeats` every 3 s (the venue asks for 5; a beat that fails is retried at once, so one lost beat never
/// misses the deadline), chaining each answer's `heartbeat_id`, and for 10 s after the last order stopped resting; the
/// venue cancels the API key's orders when its 10 s deadline passes without one. So a daemon that crashes (SIGKILL), hangs, loses its network, is halted or shuts
/// down has its resting orders cancelled by the venue even when our own cancel never arrives. Heartbeats stop on a halt
/// (the halt cancels too) and when the service stops; none are sent while nothing rests (FAK-only flows).
package actor HeartbeatService: Service {
    private let clob: ClobClient
    private let store: PolybotStore
    private let trading: TradingGate
    private let clock: any PipelineClock
    private let interval: Duration
    private let events: PipelineEvents
    private let logger: Logger
    private var chain = ""
    /// Whether the last look found orders resting (kept when the database cannot be read: a live daemon keeps its
    /// orders alive rather than letting the venue cancel them for a database outage).
    private var resting = false
    /// When orders were last seen resting (pipeline-clock ms): beats go on for 10 s after.
    private var lastRestingMs: Int64?
    private let sent = Counter(label: "orders.heartbeats", dimensions: [("outcome", "sent")])
    private let failed = Counter(label: "orders.heartbeats", dimensions: [("outcome", "failed")])

    /// Creates the service.
    package init(
        clob: ClobClient, store: PolybotStore, trading: TradingGate, clock: any PipelineClock,
        interval: Duration = .seconds(3), events: PipelineEvents, logger: Logger
    ) {
        self.clob = clob
        self.store = store
        self.trading = trading
        self.clock = clock
        self.interval = interval
        self.events = events
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.clock.every(self.interval) { await self.tick() }
        }
        logger.notice("heartbeats stopped; the venue cancels what still rests within 10 s")
    }

    /// One beat: sent when orders rest and trading is not halted. Returns whether one was sent and accepted.
    @discardableResult
    package func tick() async -> Bool {
        guard trading.current != .halted else { return false }
        do {
            // Live orders of any run mode (approve mode sends live orders too; paper orders have no digest), and those
            // whose POST had no answer: they may rest on the venue too.
            let mayRest: Set<OrderStatus> = [.live, .partiallyFilled, .unknown, .submitting]
            resting = try await store.orders.open().contains {
                $0.orderDigest != nil && $0.mode != .paper && mayRest.contains($0.status)
            }
        } catch {
            logger.warning(
                "open orders unreadable; heartbeats follow the last known state",
                metadata: ["resting": "\(resting)", "error": "\(error)"])
        }
        let t = clock.nowMs()
        if resting { lastRestingMs = t }
        guard let last = lastRestingMs, t - last <= 10_000 else { return false }
        var lastError: (any Error)?
        for _ in 1...2 {
            do {
                try await beat()
                sent.increment()
                return true
            } catch {
                lastError = error
            }
        }
        failed.increment()
        logger.error("heartbeat not accepted", metadata: ["error": "\(lastError.map { "\($0)" } ?? "")"])
        events.publish(
            .reconciliation(problems: [
                "venue heartbeat failed (\(lastError.map { "\($0)" } ?? "")): resting orders are cancelled by the venue if none arrives within 10 s"
            ]))
        return false
    }

    /// One heartbeat of the chain; a chain the venue does not recognise continues from the id it expects.
    private func beat() async throws {
        switch try await clob.heartbeat(previous: chain) {
        case .next(let id):
            chain = id
        case .expected(let id):
            guard case .next(let next) = try await clob.heartbeat(previous: id) else {
                throw PolymarketHTTPError.invalidRequest("heartbeat chain refused twice")
            }
            chain = next
        }
    }
}
