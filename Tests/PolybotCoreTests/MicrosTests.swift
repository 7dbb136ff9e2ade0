import PolybotCore
import Testing

@Suite("Micros fixed-point money")
struct MicrosTests {
    @Test(arguments: [
        ("0", 0), ("1", 1_000_000), ("0.55", 550_000), ("10000", 10_000_000_000), ("-3.25", -3_250_000),
        ("0.000001", 1), ("0.0000005", 1), ("0.0000004", 0), ("0.8699999676", 870_000), (".5", 500_000),
        ("+2", 2_000_000),
    ])
    func parsesDecimalText(text: String, raw: Int64) {
        #expect(Micros(decimal: text)?.raw == raw)
    }

    @Test(arguments: ["", "-", ".", "1.2.3", "1e5", "abc", "12a", "99999999999999999999"])
    func rejectsNonDecimals(text: String) {
        #expect(Micros(decimal: text) == nil)
    }

    @Test func printsExactDecimal() {
        #expect(Micros(550_000).description == "0.55")
        #expect(Micros(10_000_000_000).description == "10000")
        #expect(Micros(-1).description == "-0.000001")
        #expect(Micros(1_050_000).description == "1.05")
    }

    @Test func roundTripsThroughText() {
        for raw: Int64 in [0, 1, 999_999, 1_000_001, 123_456_789_012, -42] {
            #expect(Micros(decimal: Micros(raw).description)?.raw == raw)
        }
    }

    @Test func multipliesWithoutOverflowAndRounds() {
        // 100 shares at 0.55 = $55.
        #expect(Micros(100_000_000).multiplied(by: Micros(550_000)) == Micros(55_000_000))
        // 2.7027 shares at 0.26 = 0.702702 → rounds to 0.702702
        #expect(Micros(2_702_700).multiplied(by: Micros(260_000)).raw == 702_702)
        // 10^9 shares at 0.999999 stays exact in 128-bit intermediate.
        #expect(Micros(1_000_000_000_000_000).multiplied(by: Micros(999_999)).raw == 999_999_000_000_000)
        // Half rounds away from zero: 0.000001 × 0.5 = 0.0000005 → 0.000001
        #expect(Micros(1).multiplied(by: Micros(500_000)).raw == 1)
    }

    @Test func convertsVenueFloats() {
        #expect(Micros(roundingDouble: 0.26)?.raw == 260_000)
        #expect(Micros(roundingDouble: 2.7027)?.raw == 2_702_700)
        #expect(Micros(roundingDouble: 100.1)?.raw == 100_100_000)
        #expect(Micros(roundingDouble: .nan) == nil)
        #expect(Micros(roundingDouble: .infinity) == nil)
    }
}

@Suite("Addresses and hex identifiers")
struct AddressTests {
    @Test func lowercasesChecksummedAddresses() {
        let a = Address("0x510F4963b66B1B18505faaB74b0bB943D1dDa43C")
        #expect(a?.hex == "0x510f4963b66b1b18505faab74b0bb943d1dda43c")
    }

    @Test(arguments: [
        "", "0x", "510f4963b66b1b18505faab74b0bb943d1dda43c", "0x510f4963b66b1b18505faab74b0bb943d1dda43",
        "0x510f4963b66b1b18505faab74b0bb943d1dda43cz", "0xg10f4963b66b1b18505faab74b0bb943d1dda43c",
    ])
    func rejectsMalformedAddresses(text: String) {
        #expect(Address(text) == nil)
    }

    @Test func validatesHexAndTokenIds() {
        #expect(Hex.isLowerHex("0x" + String(repeating: "ab", count: 32), bytes: 32))
        #expect(!Hex.isLowerHex("0x" + String(repeating: "AB", count: 32), bytes: 32))
        #expect(Hex.isUInt256Decimal("15283458414931516998030698295018747517040694910027273837492069614153647212656"))
        #expect(!Hex.isUInt256Decimal("12x"))
        #expect(!Hex.isUInt256Decimal(""))
    }
}
