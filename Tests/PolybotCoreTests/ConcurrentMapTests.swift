import PolybotCore
import Testing

/// `concurrentMap`: the verdict's random baskets run on every core and come back in their order.
@Suite("concurrent map")
struct ConcurrentMapTests {
    @Test func resultsComeBackInTheElementsOrderLikeMap() {
        let seeds = Array(UInt64(1)...500)
        let work: @Sendable (UInt64) -> UInt64 = { seed in
            var rng = SplitMix64(seed: seed)
            return (0..<1_000).reduce(0) { sum, _ in sum &+ rng.next() }
        }
        #expect(seeds.concurrentMap(true, work) == seeds.map(work))
        #expect(seeds.concurrentMap(false, work) == seeds.map(work))
        #expect([UInt64]().concurrentMap(true, work).isEmpty)
    }
}
