import PolybotCore
import PolybotTestSupport
import Testing

@Suite("Whale filter rules")
struct WhaleRulesTests {
    let whale = Address("0x" + String(repeating: "1", count: 40))!
    let other = Address("0x" + String(repeating: "2", count: 40))!

    func trade(_ wallet: Address, size: Int64, price: Int64, event: String = "e") -> Trade {
        Fixtures.trade(wallet: wallet, size: Micros(size), price: Micros(price), eventSlug: event)
    }

    @Test func thresholdIsInclusiveOnNotional() {
        let rules = WhaleRules()  // $10,000
        // 20,000 shares × 0.50 = $10,000 exactly → whale.
        #expect(rules.evaluate(trade(other, size: 20_000_000_000, price: 500_000)) == .whale)
        // one micro-share less → below.
        #expect(rules.evaluate(trade(other, size: 19_999_999_999, price: 500_000)) == .belowThreshold)
    }

    @Test func denyBeatsAllowAndAllowBeatsSize() {
        var rules = WhaleRules(allow: [whale])
        #expect(rules.evaluate(trade(whale, size: 1_000_000, price: 100_000)) == .allowListed)
        rules.deny = [whale]
        #expect(rules.evaluate(trade(whale, size: 100_000_000_000, price: 900_000)) == .denyListed)
    }

    @Test func excludedEventsDropEvenAllowListed() {
        let rules = WhaleRules(allow: [whale], excludedEvents: ["sports"])
        #expect(rules.evaluate(trade(whale, size: 1_000_000, price: 100_000, event: "sports")) == .marketExcluded)
        #expect(!WhaleVerdict.marketExcluded.passes)
    }
}
