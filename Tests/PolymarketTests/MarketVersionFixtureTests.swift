import Foundation
import PolybotCore
import Polymarket
import Testing

/// Issue 27: a market's exchange comes from the venue's real shape — Gamma's market `version` (feeds notes §6.5):
/// "v1" (CTF outcome tokens) signs for the V2 exchanges, "v2" (PositionManager position ids) for ExchangeV3, anything
/// else for nothing. The fixture is the 2026 Gamma capture quoted in `polymarket-feeds.md` (one market object).
@Suite("Market protocol version from Gamma")
struct MarketVersionFixtureTests {
    /// `GET /markets?condition_ids=0xa467…` as captured in 2026 (its `version` is "v1"; it also carries `positionIds`).
    static let captured = #"""
        {"$schema":"https://gamma-api.polymarket.com/schemas/Market.json","id":"559651","question":"Xi Jinping out before 2027?","conditionId":"0xa467b14d51f01b957109d9cbb1d6c124fab2a089d52ed8f471d23c2812e743b7","slug":"xi-jinping-out-before-2027","resolutionSource":"","endDate":"2026-12-31T00:00:00Z","liquidity":"237253.02375","startDate":"2025-07-03T20:37:00.228Z","image":"https://polymarket-upload.s3.us-east-2.amazonaws.com/xi-jinping-out-in-2025-EjF4SM20eaa3.jpg","icon":"https://polymarket-upload.s3.us-east-2.amazonaws.com/xi-jinping-out-in-2025-EjF4SM20eaa3.jpg","description":"This market will resolve to \"Yes\" if China's General Secretary of the Communist Party, Xi Jinping, is removed from power for any length of time between July 3, 2025, and December 31, 2026, 11:59 PM ET. Otherwise, this market will resolve to \"No\".","outcomes":"[\"Yes\", \"No\"]","outcomePrices":"[\"0.0455\", \"0.9545\"]","volume":"12071015.216477996","active":true,"closed":false,"marketMakerAddress":"","createdAt":"2025-07-03T20:25:56.889606Z","updatedAt":"2026-08-16T08:48:06.699066Z","new":false,"featured":false,"submitted_by":"0x91430CaD2d3975766499717fA0D66A78D814E5c5","archived":false,"resolvedBy":"0x157Ce2d672854c848c9b79C49a8Cc6cc89176a49","restricted":true,"groupItemTitle":"","groupItemThreshold":"0","questionID":"0x1d925c6933062c2e38031293612d8680ffa097c5d3ba2f87a8ecc565bd47183e","enableOrderBook":true,"orderPriceMinTickSize":0.001,"orderMinSize":5,"volumeNum":12071015.216477996,"liquidityNum":237253.02375,"endDateIso":"2026-12-31","startDateIso":"2025-07-03","hasReviewedDates":true,"volume24hr":14542.225487,"volume1wk":119459.04871600003,"volume1mo":719704.5928750002,"volume1yr":11148889.007490002,"clobTokenIds":"[\"32338220190071351435772801779725302244575775216413325951443816017994629993401\", \"25659310674993675562345759665114759892400026242514633218387667107987341231962\"]","positionIds":["895257453734540292493143124621755605615887197499956109032745153687078305792","895257453734540292493143124621755605615887197499956109032745153687078305793"],"comboStatus":"pending","umaBond":"500","umaReward":"5","volume24hrClob":14542.225487,"volume1wkClob":119459.04871600003,"volume1moClob":719704.5928750002,"volume1yrClob":11148889.007490002,"volumeClob":12071015.216477996,"liquidityClob":237253.02375,"makerBaseFee":1000,"takerBaseFee":1000,"customLiveness":0,"acceptingOrders":true,"negRisk":false,"negRiskRequestID":"","ready":false,"funded":false,"acceptingOrdersTimestamp":"2025-07-03T20:36:33Z","tags":[{"id":"366","label":"world affairs","slug":"world-affairs","publishedAt":"2023-11-02 22:05:44.425+00","createdAt":"2023-11-02T22:05:44.48Z","updatedAt":"2026-04-17T20:47:56.524437Z","requiresTranslation":false}],"cyom":false,"competitive":0.8287955052762158,"pagerDutyNotificationEnabled":false,"approved":true,"clobRewards":[{"id":"303430","conditionId":"0xa467b14d51f01b957109d9cbb1d6c124fab2a089d52ed8f471d23c2812e743b7","assetAddress":"0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174","rewardsAmount":0,"rewardsDailyRate":10,"startDate":"2026-04-30","endDate":"2500-12-31"}],"rewardsMinSize":200,"rewardsMaxSpread":3.5,"spread":0.001,"oneDayPriceChange":0.001,"oneWeekPriceChange":-0.001,"oneMonthPriceChange":-0.003,"oneYearPriceChange":-0.1795,"lastTradePrice":0.045,"bestBid":0.045,"bestAsk":0.046,"automaticallyActive":true,"clearBookOnStart":true,"manualActivation":false,"negRiskOther":false,"umaResolutionStatuses":"[]","pendingDeployment":false,"deploying":false,"deployingTimestamp":"2025-07-03T20:35:48.270879Z","rfqEnabled":false,"holdingRewardsEnabled":true,"feesEnabled":true,"requiresTranslation":false,"feeType":"politics_fees","feeSchedule":{"exponent":1,"rate":0.04,"takerOnly":true,"rebateRate":0.25},"version":"v1"}
        """#

    func market(_ text: String) throws -> GammaMarket {
        try JSONDecoder().decode(GammaMarket.self, from: Data(text.utf8))
    }

    @Test func theCapturedMarketIsACTFMarketSignedForTheV2Exchanges() throws {
        let m = try market(Self.captured)
        #expect(m.version == "v1" && m.exchangeVersion == 2)
        #expect(m.conditionId == "0xa467b14d51f01b957109d9cbb1d6c124fab2a089d52ed8f471d23c2812e743b7")
        #expect(ExchangeDomain.forVersion(m.exchangeVersion ?? 0, chainId: 137)?.version == "2")
    }

    @Test func aPositionManagerMarketIsSignedForExchangeV3AndAnUnknownVersionForNothing() throws {
        let v2 = try market(Self.captured.replacingOccurrences(of: #""version":"v1""#, with: #""version":"v2""#))
        #expect(v2.exchangeVersion == 3)
        #expect(ExchangeDomain.forVersion(3, chainId: 137)?.version == "3")
        let unknown = try market(Self.captured.replacingOccurrences(of: #""version":"v1""#, with: #""version":"v7""#))
        #expect(unknown.exchangeVersion == nil)
    }
}
