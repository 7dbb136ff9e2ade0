import Foundation
import PolybotCore
import Polymarket
import Testing

/// Gamma's 2026 fee fields: a schedule we compute, a fee-free market, data from before fees, and what we refuse.
@Suite("Gamma fee fields")
struct GammaFeesTests {
    func market(_ fields: String) throws -> GammaMarket {
        let json =
            #"{"id":"559651","conditionId":"0xA467","question":"q","clobTokenIds":"[\"1\",\"2\"]""#
            + (fields.isEmpty ? "" : "," + fields) + "}"
        return try JSONDecoder().decode(GammaMarket.self, from: Data(json.utf8))
    }

    @Test func theCapturedPoliticsScheduleIsRead() throws {
        // As in the 2026 capture of protocol/polymarket-feeds.md (Xi Jinping market).
        let m = try market(
            #""feesEnabled":true,"feeType":"politics_fees","feeSchedule":{"exponent":1,"rate":0.04,"takerOnly":true,"rebateRate":0.25}"#
        )
        let expected = try #require(FeeSchedule(rate: Micros(40_000), exponent: 1, rebateRate: Micros(250_000)))
        #expect(m.fees == .charged(expected, type: "politics_fees"))
        #expect(m.fees.schedule?.takerFee(shares: Micros(100_000_000), price: Micros(650_000)) == Micros(910_000))
    }

    @Test func stringNumbersAndAWholeExponentWrittenAsADecimalAreRead() throws {
        let m = try market(#""feesEnabled":"true","feeSchedule":{"exponent":"2.0","rate":"0.25"}"#)
        #expect(m.fees.schedule == FeeSchedule(rate: Micros(250_000), exponent: 2))
    }

    @Test func freeAndNotStatedChargeNothing() throws {
        #expect(try market(#""feesEnabled":false,"feeSchedule":{"exponent":1,"rate":0.04}"#).fees == .free)
        let old = try market("")
        #expect(old.fees == .notStated && old.fees.schedule == .free)
    }

    @Test func whatCannotBeComputedIsNotGuessed() throws {
        for fields in [
            #""feesEnabled":true"#,  // on, but no schedule
            #""feesEnabled":true,"feeSchedule":{"exponent":1.5,"rate":0.04}"#,
            #""feesEnabled":true,"feeSchedule":{"exponent":3,"rate":0.04}"#,
            #""feesEnabled":true,"feeSchedule":{"exponent":1,"rate":"four percent"}"#,
            #""feesEnabled":true,"feeSchedule":{"exponent":1}"#,
            #""feeSchedule":"politics""#,  // present but not an object
        ] {
            let m = try market(fields)
            guard case .uncomputable = m.fees else {
                Issue.record("\(fields) → \(m.fees)")
                continue
            }
            #expect(m.fees.schedule == nil)
        }
    }
}
