import PolybotCore
import Testing

/// A recorded file's rows as fills: repeats dropped, twins (same key, another price) numbered in row order.
@Suite("Recorded fills")
struct RecordedFillsTests {
    func fill(price: Int64, size: Int64 = 10_000_000, tx: String = "0x" + String(repeating: "a", count: 64)) -> Trade {
        Trade(
            transactionHash: tx, wallet: Address("0x" + String(repeating: "1", count: 40))!, asset: "77",
            conditionId: "0x" + String(repeating: "c", count: 64), side: .buy, size: Micros(size),
            price: Micros(price), timestamp: 1_760_000_000, source: .dataAPI)
    }

    @Test func repeatsGoAndTwinsAreNumberedInRowOrder() {
        var fills = RecordedFills()
        let rows = [
            fill(price: 400_000), fill(price: 400_000), fill(price: 450_000), fill(price: 480_000),
            fill(price: 450_000), fill(price: 400_000, size: 20_000_000),
        ]
        let kept = rows.compactMap { fills.admit($0) }
        #expect(kept.map(\.price.raw) == [400_000, 450_000, 480_000, 400_000])
        #expect(kept.map(\.ordinal) == [nil, 1, 2, nil])
        #expect(Set(kept.map(\.key)).count == 4)
        // A chain row already numbered keeps its ordinal; the same row again is a repeat.
        var chain = fill(price: 400_001)
        chain.ordinal = 3
        #expect(fills.admit(chain)?.ordinal == 3)
        #expect(fills.admit(chain) == nil)
    }
}
