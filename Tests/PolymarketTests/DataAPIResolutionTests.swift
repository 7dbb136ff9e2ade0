import PolybotCore
import Polymarket
import Testing

@Suite("Data API v2 resolutions")
struct DataAPIResolutionTests {
    let id = "0x" + String(repeating: "a", count: 64)

    func row(_ status: String, _ payouts: [Int64]?, at: Int64? = 1_757_452_759) -> DataAPIResolution {
        DataAPIResolution(conditionId: id, status: status, payouts: payouts, resolvedAt: at)
    }

    @Test func onlyAResolvedRowPayingOneOutcomeInFullHasAWinner() {
        #expect(row("resolved", [1_000_000, 0]).winningIndex == 0)
        #expect(row("resolved", [0, 1_000_000]).winningIndex == 1)
        #expect(row("resolved", [500_000, 500_000]).winningIndex == nil, "a 50/50 has no winner")
        #expect(row("proposed", [1_000_000, 0]).winningIndex == nil, "not final yet")
        #expect(row("resolved", nil).winningIndex == nil)
        #expect(row("resolved", [1_000_000, 1_000_000]).winningIndex == nil)
    }

    @Test func aWinnerSetsTheMarketsResolutionAndItsOwnTime() {
        let market = MarketInfo(conditionId: id, outcomes: ["Yes", "No"], tokenIds: ["1", "2"])
        let resolved = market.resolved(by: row("resolved", [0, 1_000_000]))
        #expect(resolved.winningToken == "2" && resolved.closed && resolved.resolvedAt == 1_757_452_759)
        #expect(market.resolved(by: row("disputed", [0, 1_000_000])) == market)
        var other = row("resolved", [1_000_000, 0])
        other.conditionId = "0x" + String(repeating: "b", count: 64)
        #expect(market.resolved(by: other) == market, "another market's row changes nothing")
    }
}
