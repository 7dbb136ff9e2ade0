import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// The venue's dead-man switch (venue facts §4.4): while Polybot has orders resting on the CLOB it sends
/// `POST /v1/heartbeats` every 5 s, chaining each answer's `heartbeat_id`; the venue cancels the API key's orders when
/// the 10 s deadline passes without one. So a daemon that crashes (SIGKILL), hangs, loses its network, is halted or shuts
/// down has its resting orders cancelled by the venue even when our own cancel never arrives. Heartbeats stop on a halt
/// (the halt cancels too) and when the service stops; none are sent while nothing rests (FAK-only flows).
package actor HeartbeatService: Service {
    private let clob: ClobClient
    private let store: PolybotStore
    private let mode: RunMode
    private let trading: TradingGate
    private let clock: any PipelineClock
    private let interval: Duration
    private let events: PipelineEvents
    private let logger: Logger
    private var chain = ""
    /// Whether the last look found orders resting (kept when the database cannot be read: a live daemon keeps its
    /// orders alive rather than letting the venue cancel them for a database outage).
    private var resting = false
    private let sent = Counter(label: "orders.heartbeats", dimensions: [("outcome", "sent")])
    private let failed = Counter(label: "orders.heartbeats", dimensions: [("outcome", "failed")])

    /// Creates the service.
    package init(
        clob: ClobClient, store: PolybotStore, mode: RunMode, trading: TradingGate, clock: any PipelineClock,
        interval: Duration = .seconds(5), events: PipelineEvents, logger: Logger
    ) {
        self.clob = clob
        self.store = store
        self.mode = mode
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
            resting = try await store.orders.open().contains {
                $0.mode == mode && ($0.status == .live || $0.status == .partiallyFilled)
            }
        } catch {
            logger.warning(
                "open orders unreadable; heartbeats follow the last known state",
                metadata: ["resting": "\(resting)", "error": "\(error)"])
        }
        guard resting else { return false }
        do {
            switch try await clob.heartbeat(previous: chain) {
            case .next(let id):
                chain = id
            case .expected(let id):
                // Our chain was not the venue's (a restart, a lost answer): continue from the id it expects.
                guard case .next(let next) = try await clob.heartbeat(previous: id) else {
                    throw PolymarketHTTPError.invalidRequest("heartbeat chain refused twice")
                }
                chain = next
            }
            sent.increment()
            return true
        } catch {
            failed.increment()
            logger.error("heartbeat not accepted", metadata: ["error": "\(error)"])
            events.publish(
                .reconciliation(problems: [
                    "venue heartbeat failed (\(error)): resting orders are cancelled by the venue if none arrives within 10 s"
                ]))
            return false
        }
    }
}
