import Foundation
import Logging
import ServiceLifecycle

/// Drives the simulator: replays the history at a speed, releases delayed user events (MINED, CONFIRMED),
/// expires GTD orders, and applies the periodic `drop` fault.
public struct SimReplayService: Service {
    /// How fast to replay.
    public enum Speed: Sendable, Equatable {
        /// Only `POST /_sim/publish` advances the replay (tests).
        case manual
        /// As fast as possible.
        case max
        /// N× real time.
        case times(Double)
    }

    let exchange: SimExchange
    let speed: Speed
    let loop: Bool
    let logger: Logger

    /// Creates the service (`loop`: when the history ends, replay it again shifted by whole days, see
    /// ``SimExchange/appendLoop()``; not with `manual`).
    public init(exchange: SimExchange, speed: Speed, loop: Bool = false, logger: Logger) {
        self.exchange = exchange
        self.speed = speed
        self.loop = loop
        self.logger = logger
    }

    public func run() async throws {
        // SIGINT/SIGTERM end the replay loop (a timer-driven service: it cancels on graceful shutdown).
        try? await cancelWhenGracefulShutdown { try await loop() }
    }

    private func loop() async throws {
        let clock = ContinuousClock()
        var start = clock.now
        var firstTradeTime: Int64?
        var lastDrop = clock.now
        var lastRPCDrop = clock.now
        var announcedEnd = false
        while !Task.isCancelled {
            await exchange.deliverDueEvents()
            await exchange.expireOrders(wallNow: Int64(Date().timeIntervalSince1970))
            await exchange.enforceHeartbeats()
            await exchange.autoRedeemDue()
            await exchange.announceDueResolutions()
            let drop = await exchange.faults.dropWebSocketsEverySeconds
            if drop > 0, clock.now - lastDrop >= .milliseconds(Int64(drop * 1000)) {
                await exchange.dropAllSockets()
                lastDrop = clock.now
            }
            let rpcDrop = await exchange.faults.rpcDropSeconds
            if rpcDrop > 0, clock.now - lastRPCDrop >= .milliseconds(Int64(rpcDrop * 1000)) {
                await exchange.dropRPCSockets()
                lastRPCDrop = clock.now
            }
            if speed != .manual { await exchange.chainTick() }
            switch speed {
            case .manual:
                break
            case .max:
                await exchange.publishNext(1000)
            case .times(let factor):
                if let next = await exchange.nextTradeTime {
                    let origin = firstTradeTime ?? next
                    firstTradeTime = origin
                    let due = start.advanced(by: .milliseconds(Int64(Double(next - origin) * 1000 / factor)))
                    while clock.now >= due, await exchange.publishNext(1) == 1 {
                        guard let n = await exchange.nextTradeTime else { break }
                        if start.advanced(by: .milliseconds(Int64(Double(n - origin) * 1000 / factor))) > clock.now {
                            break
                        }
                    }
                }
            }
            var finished = await exchange.finished
            if finished, loop, speed != .manual {
                // The next pass starts now (its first trade at once), on market time shifted by whole days.
                let shift = await exchange.appendLoop()
                start = clock.now
                firstTradeTime = await exchange.nextTradeTime
                finished = await exchange.finished
                logger.info("replay looped", metadata: ["sim.shift_seconds": "\(shift)"])
            }
            if finished, !announcedEnd, speed != .manual {
                announcedEnd = true
                let total = exchange.history.count
                logger.info("replay finished", metadata: ["sim.trades": "\(total)"])
            }
            // 20 ms ticks: fine enough for event delays, cheap when idle; `max` keeps publishing without sleeping.
            if speed == .max, !finished {
                await Task.yield()
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}
