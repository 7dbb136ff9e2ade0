import Foundation
import Testing

@testable import PolybotStore

/// The hand-written JSON of score rows reads back, through `JSONDecoder`, to exactly what was written.
struct JSONTextTests {
    @Test func numbersReadBackBitForBit() throws {
        var values: [String: Double] = [
            "plain": 0.1, "whole": 2, "tiny": 1e-300, "negative": -3.5e-7, "huge": 1.7976931348623157e308,
            "zero": 0, "negativeZero": -0.0, "quote\"back\\slash": 1, "tab\tnew\nline\u{01}": 2, "unicode é€": 3,
            "notFinite": .nan, "infinite": .infinity,
        ]
        var generator = SystemRandomNumberGenerator()
        for i in 0..<200 {
            values["random\(i)"] = Double(bitPattern: generator.next() & ~(0x7FF << 52)) * Double(i - 100)
        }
        let text = jsonText(values)
        let decoded = try JSONDecoder().decode([String: Double].self, from: Data(text.utf8))
        let finite = values.filter { $0.value.isFinite }
        #expect(decoded.count == finite.count)
        for (k, v) in finite {
            #expect(decoded[k]?.bitPattern == v.bitPattern || (v == 0 && decoded[k] == 0), "\(k): \(v)")
        }
        #expect(text.hasPrefix("{\"huge\":"), "keys sorted: \(text.prefix(40))")
    }
}
