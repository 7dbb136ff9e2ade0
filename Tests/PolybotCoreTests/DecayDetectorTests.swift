import PolybotCore
import Testing

@Suite("Decay detector")
struct DecayDetectorTests {
    func positions(wins: Int, losses: Int, at: Int64) -> [ClosedPosition] {
        (0..<(wins + losses)).map { i in
            ClosedPosition(
                asset: "\(i)", conditionId: "m", cost: Micros(1_000_000),
                realized: Micros(i < wins ? 500_000 : -1_000_000),
                openedAt: at - 10, closedAt: at)
        }
    }

    let now: Int64 = 200 * 86_400

    @Test func significantDropIsDecay() {
        let closed =
            positions(wins: 16, losses: 4, at: now - 90 * 86_400) + positions(wins: 3, losses: 9, at: now - 86_400)
        let v = DecayDetector().evaluate(closed: closed, now: now)
        #expect(v.decayed && v.earlierWinRate == 0.8 && v.recentWinRate == 0.25)
        #expect(v.reason.contains("fell from 80 % to 25 %"))
    }

    @Test func smallOrInsignificantChangesAreNot() {
        let steady =
            positions(wins: 14, losses: 6, at: now - 90 * 86_400) + positions(wins: 6, losses: 4, at: now - 86_400)
        #expect(!DecayDetector().evaluate(closed: steady, now: now).decayed)
        let tiny =
            positions(wins: 16, losses: 4, at: now - 90 * 86_400) + positions(wins: 0, losses: 3, at: now - 86_400)
        let v = DecayDetector().evaluate(closed: tiny, now: now)
        #expect(!v.decayed && v.reason.contains("not enough"))
    }
}
