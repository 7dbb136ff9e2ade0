import AsyncAlgorithms
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import Polymarket
import Synchronization
import Testing

/// The executor's stop: a cancelled stop returns although a placement ignores its cancellation (the service group
/// escalates to cancellation after its 8 s; before, one stuck placement held the whole process).
@Suite("Executor stop")
struct ExecutorStopTests {
    let logger = Logger(label: "test.executor")

    /// A gateway whose placement ends only when released, whatever happens to its task.
    final class StuckGateway: OrderGateway {
        let entered = Mutex(false)
        let released = Mutex(false)
        let left = Mutex(false)
        struct Released: Error {}

        func place(_ request: ExecutionRequest) async throws -> PlacementOutcome {
            entered.withLock { $0 = true }
            while !released.withLock({ $0 }) {
                await sleepIgnoringCancellation(.milliseconds(5))  // ignores cancellation on purpose
            }
            left.withLock { $0 = true }
            throw Released()
        }
    }

    @Test func aCancelledStopDoesNotWaitForAPlacementThatIgnoresCancellation() async throws {
        try await withTestDatabase { store, _ in
            let gateway = StuckGateway()
            let input = AsyncChannel<SizedOrder>()
            let executor = Executor(
                input: input, gateway: gateway, store: store, probe: LatencyProbe(), events: PipelineEvents(),
                logger: logger)
            let run = Task { try await executor.run() }
            let intent = OrderIntent(
                signalKey: "k", basketId: nil, conditionId: Fixtures.hex32(1), eventSlug: "", asset: "1",
                side: .buy, price: Micros(500_000), shares: Micros(10_000_000), whalePrice: Micros(500_000),
                wallets: [])
            let request = ExecutionRequest(
                intent: intent, signalId: nil, purpose: .entry, idempotencyKey: "entry:stuck", tickSize: .hundredth,
                negRisk: false, minimumSize: Micros(5_000_000), lifetimeSeconds: 300, detectedAtMs: 0)
            let feed = Task { await input.send(SizedOrder(request: request, arrived: .now)) }
            #expect(await eventually { gateway.entered.withLock { $0 } })
            run.cancel()
            try await run.value
            // The stage has returned while its placement is still stuck (it cannot end before it is released).
            #expect(!gateway.left.withLock { $0 })
            gateway.released.withLock { $0 = true }
            feed.cancel()
        }
    }
}
