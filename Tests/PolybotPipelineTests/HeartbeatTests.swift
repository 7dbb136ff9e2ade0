import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// Issue 27: the venue's heartbeat dead-man switch, against the simulator's `POST /v1/heartbeats`.
@Suite("Venue heartbeats", .serialized)
struct HeartbeatTests {
    let logger = Logger(label: "test.heartbeat")

    func service(_ v: LiveVenue, gate: TradingGate = TradingGate()) -> HeartbeatService {
        HeartbeatService(
            clob: v.clob, store: v.store, trading: gate, clock: SystemPipelineClock(),
            events: PipelineEvents(), logger: logger)
    }

    @Test func heartbeatsKeepARestingOrderAndTheirSilenceCancelsIt() async throws {
        try await withLiveVenue(logger: logger) { v in
            let heartbeats = service(v)
            // Nothing rests: no heartbeat (FAK-only flows never opt in).
            #expect(await heartbeats.tick() == false)
            #expect(await v.exchange.heartbeats(apiKey: v.credentials.apiKey) == 0)

            let below = Micros(v.ask.raw - v.tick.micros * 3)
            let placed = try await v.gateway.place(v.request("entry:resting", price: below))
            #expect(placed.order.status == .live)
            #expect(await heartbeats.tick())
            #expect(await heartbeats.tick())
            #expect(await v.exchange.heartbeats(apiKey: v.credentials.apiKey) == 2)

            // A second sender starts a new chain ("" is not the venue's id): it adopts the id the venue expects.
            #expect(await service(v).tick())
            #expect(await v.exchange.heartbeats(apiKey: v.credentials.apiKey) == 4)

            // Halted: heartbeats stop.
            let halted = TradingGate(.halted)
            #expect(await service(v, gate: halted).tick() == false)

            // Then silence (a dead daemon): the venue cancels the resting order by itself, never before the deadline.
            let digest = try #require(placed.order.orderDigest)
            #expect(
                await eventually(timeout: .seconds(60)) {
                    await v.exchange.allOrders.first { $0.id == digest }?.status == "CANCELED"
                })
            let cancel = try #require(await v.exchange.heartbeatCancels.first)
            #expect(cancel.orderId == digest && cancel.apiKey == v.credentials.apiKey)
            #expect(cancel.silentFor >= .seconds(10))
        }
    }
}
