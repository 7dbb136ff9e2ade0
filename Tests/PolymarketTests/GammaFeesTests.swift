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

    @Test func theClobsCompactRecordIsReadTheWayTheOfficialClientReadsIt() throws {
        func info(_ json: String) throws -> ClobMarketInfo {
            try JSONDecoder().decode(ClobMarketInfo.self, from: Data(json.utf8))
        }
        let charged = try info(
            #"{"t":[{"t":"11","o":"Yes"},{"t":"22","o":"No"}],"mts":0.001,"nr":true,"fd":{"r":0.25,"e":2}}"#)
        #expect(charged.tokens == ["11", "22"] && charged.tickSize == .thousandth && charged.negRisk)
        #expect(charged.fees.schedule == FeeSchedule(rate: Micros(250_000), exponent: 2))
        // No fd: the official client charges rate 0.
        #expect(try info(#"{"t":[{"t":"11"}],"mts":"0.01","nr":false}"#).fees == .free)
        guard case .uncomputable = try info(#"{"t":[{"t":"11"}],"mts":0.01,"fd":{"r":0.04,"e":0.5}}"#).fees else {
            Issue.record("a fractional exponent must not be guessed")
            return
        }
        guard case .uncomputable = try info(#"{"t":[{"t":"11"}],"mts":0.01,"fd":"x"}"#).fees else {
            Issue.record("an unreadable fd must not be read as free")
            return
        }
        #expect(throws: DecodingError.self) { try info(#"{"mts":0.01}"#) }
    }
}
