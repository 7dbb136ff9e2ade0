import PolybotCore
import PolybotTestSupport
import Testing

@Suite("Divergence watch")
struct DivergenceWatchTests {
    func key(_ n: Int) -> TradeKey {
        Fixtures.trade(wallet: Fixtures.address(n), asset: "\(n)", size: Micros(1_000_000), price: Micros(500_000)).key
    }

    func watch() -> DivergenceWatch {
        var w = DivergenceWatch(sources: [.chain, .dataAPI], grace: 30, horizon: 600)
        w.cover(.chain, from: 1_000)
        w.cover(.dataAPI, from: 1_000)
        return w
    }

    @Test func aTradeBothSourcesDeliverWithinTheGraceIsNeverMissing() {
        var w = watch()
        w.saw(key(1), tradeTime: 1_100, source: .chain, now: 2_000)
        #expect(w.missing(now: 2_030).isEmpty)
        w.saw(key(1), tradeTime: 1_100, source: .dataAPI, now: 2_029)
        #expect(w.missing(now: 2_100).isEmpty)
        #expect(w.watching == 0)
    }

    @Test func aSourceMissingATradePastTheGraceRaisesTheAlarmUntilItArrives() {
        var w = watch()
        w.saw(key(1), tradeTime: 1_100, source: .chain, now: 2_000)
        w.saw(key(2), tradeTime: 1_101, source: .chain, now: 2_000)
        #expect(w.missing(now: 2_030).isEmpty, "not past the grace yet")
        #expect(w.missing(now: 2_031) == [.dataAPI: 2])
        w.saw(key(1), tradeTime: 1_100, source: .dataAPI, now: 2_040)
        #expect(w.missing(now: 2_041) == [.dataAPI: 1])
        w.saw(key(2), tradeTime: 1_101, source: .dataAPI, now: 2_050)
        #expect(w.missing(now: 2_051).isEmpty)
    }

    @Test func aTradeOlderThanASourcesCoverageIsNotExpectedFromIt() {
        var w = DivergenceWatch(sources: [.chain, .dataAPI], grace: 30, horizon: 600)
        w.cover(.dataAPI, from: 0)
        w.cover(.chain, from: 5_000)
        // The Data API's backfill brings an hour-old trade the chain (started later) never saw: not a divergence.
        w.saw(key(1), tradeTime: 1_000, source: .dataAPI, now: 6_000)
        #expect(w.missing(now: 7_000).isEmpty)
        // A trade after the chain's start is expected from it.
        w.saw(key(2), tradeTime: 5_100, source: .dataAPI, now: 6_000)
        #expect(w.missing(now: 6_031) == [.chain: 1])
    }

    @Test func coverageThatStartsAfterTheFirstSightingStillCounts() {
        var w = DivergenceWatch(sources: [.chain, .dataAPI], grace: 30, horizon: 600)
        w.cover(.chain, from: 1_000)
        w.saw(key(1), tradeTime: 1_100, source: .chain, now: 2_000)
        // The Data API's first sweep runs after the chain delivered the trade.
        w.cover(.dataAPI, from: 1_050)
        #expect(w.missing(now: 2_031) == [.dataAPI: 1])
    }

    @Test func pastTheHorizonATradeIsForgottenAndCountedAsMissed() {
        var w = watch()
        w.saw(key(1), tradeTime: 1_100, source: .chain, now: 2_000)
        #expect(w.expire(now: 2_600).isEmpty)
        #expect(w.expire(now: 2_601) == [.dataAPI: 1])
        #expect(w.missed == [.dataAPI: 1])
        #expect(w.missing(now: 2_602).isEmpty && w.watching == 0)
    }

    @Test func aRetractedTradeIsNoLongerExpectedAnywhere() {
        var w = watch()
        w.saw(key(1), tradeTime: 1_100, source: .chain, now: 2_000)
        w.forget(key(1))
        #expect(w.missing(now: 3_000).isEmpty)
    }

    @Test func oneSourceHasNothingToCompare() {
        var w = DivergenceWatch(sources: [.chain], grace: 30, horizon: 600)
        w.cover(.chain, from: 0)
        w.saw(key(1), tradeTime: 1_100, source: .chain, now: 2_000)
        #expect(!w.isActive && w.watching == 0 && w.missing(now: 9_999).isEmpty)
    }
}
