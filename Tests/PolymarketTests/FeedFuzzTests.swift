import Foundation
import Polymarket
import Testing

/// Feeds ≥ 100,000 random and mutated frames to the feed decoders: every one must come back as messages or a
/// typed ``FeedDecodeError`` — never a crash or a hang.
@Suite("Feed decoders survive fuzzing")
struct FeedFuzzTests {
    static let seeds: [String] = [
        #"{"connection_id":"gXseIO-NQWeIKEhJwA==","payload":{"asset":"72551024098258542594534683942523606143014690620243023298497729957846870197074","bio":"","conditionId":"0x1d8720896546460a48d4f7fd5b3f0705a8d427921222de498d1cd334d4890c52","eventSlug":"highest-temperature-in-wellington-on-august-19-2026","icon":"https://x.jpg","name":"PPMT","outcome":"No","outcomeIndex":1,"price":0.26,"profileImage":"","proxyWallet":"0x510F4963b66B1B18505faaB74b0bB943D1dDa43C","pseudonym":"Rowdy-Tenement","side":"BUY","size":2.7027,"slug":"highest-temperature-in-wellington-on-august-19-2026-10c","timestamp":1787102287,"title":"Will the highest temperature in Wellington be 10C on August 19?","transactionHash":"0xb6acf6859bc84216f4b3e2567fb392a2eae19d275340ad96ea17218ccfec27b7"},"timestamp":1787102287053,"topic":"activity","type":"trades"}"#,
        #"{"event_type":"book","asset_id":"65818619657568813474341868652308942079804919287380422192892211131408793125422","market":"0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af","bids":[{"price":".48","size":"30"},{"price":".49","size":"20"}],"asks":[{"price":".52","size":"25"}],"timestamp":"123456789000","hash":"0x1234567890abcdef"}"#,
        #"{"market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","price_changes":[{"asset_id":"1","price":"0.5","size":"200","side":"BUY","hash":"56","best_bid":"0.5","best_ask":"1"}],"timestamp":"1757908892351","event_type":"price_change"}"#,
        #"{"asset_id":"5211","event_type":"trade","id":"28c4d2eb","maker_orders":[{"order_id":"0xff35","matched_amount":"10","price":"0.57"}],"market":"0xbd31","price":"0.57","side":"BUY","size":"10","status":"MATCHED","taker_order_id":"0x06bc","timestamp":"1672290701","type":"TRADE"}"#,
        "PONG", "", "[]",
    ]

    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    static let alphabet = Array(#"{}[]",:0123456789.-eE truefalsnul\"abc"#.utf8)

    static func mutate(_ seed: [UInt8], _ rng: inout Rng) -> [UInt8] {
        var b = seed
        for _ in 0..<(1 + rng.below(4)) {
            switch rng.below(7) {
            case 0 where !b.isEmpty: b[rng.below(b.count)] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where !b.isEmpty: b.removeSubrange(rng.below(b.count)..<b.count)  // truncate
            case 2: b.insert(alphabet[rng.below(alphabet.count)], at: rng.below(b.count + 1))
            case 3 where b.count > 1:
                let i = rng.below(b.count)
                b.remove(at: i)
            case 4: b = Array((0..<rng.below(64)).map { _ in alphabet[rng.below(alphabet.count)] })  // random noise
            case 5 where !b.isEmpty:
                let i = rng.below(b.count)
                b[i] = alphabet[rng.below(alphabet.count)]
            default: b += b.prefix(rng.below(16))
            }
        }
        return b
    }

    @Test func hundredThousandMutatedFrames() {
        var rng = Rng(state: 2026_11_21)
        let seeds = Self.seeds.map { Array($0.utf8) }
        var decoded = 0
        var rejected = 0
        for i in 0..<100_000 {
            var frame = Self.mutate(seeds[i % seeds.count], &rng)
            let text = String(decoding: frame, as: UTF8.self)
            do {
                _ = try RTDSDecoder.decode(bytes: &frame)
                decoded += 1
            } catch {
                #expect(!error.reason.isEmpty)
                rejected += 1
            }
            if (try? MarketChannelDecoder.decode(text)) != nil { decoded += 1 } else { rejected += 1 }
            if (try? UserChannelDecoder.decode(text)) != nil { decoded += 1 } else { rejected += 1 }
        }
        // Both outcomes must occur, or the fuzzer is not exercising anything.
        #expect(decoded > 10_000 && rejected > 10_000, "decoded \(decoded), rejected \(rejected)")
    }

    @Test func fastAndFoundationPathsAgreeOnEveryMutation() {
        var rng = Rng(state: 77)
        let seeds = Self.seeds.map { Array($0.utf8) }
        var agreedOK = 0
        for i in 0..<30_000 {
            let frame = Self.mutate(seeds[i % 3 == 0 ? 0 : i % seeds.count], &rng)
            var a = frame
            var b = frame
            let fast = Result { () throws(FeedDecodeError) in try RTDSDecoder.decode(bytes: &a) }
            let slow = Result { () throws(FeedDecodeError) in try RTDSDecoder.decode(bytes: &b, fastPath: false) }
            switch (fast, slow) {
            case (.success(let x), .success(let y)):
                #expect(x == y, "frame \(String(decoding: frame, as: UTF8.self))")
                agreedOK += 1
            case (.failure, .failure): break
            default: Issue.record("paths disagree on \(String(decoding: frame, as: UTF8.self)): \(fast) vs \(slow)")
            }
        }
        #expect(agreedOK > 1_000)
    }

    @Test func unmutatedSeedsDecode() throws {
        #expect(try RTDSDecoder.decode(Self.seeds[0]).count == 1)
        #expect(try MarketChannelDecoder.decode(Self.seeds[1]).count == 1)
        #expect(try MarketChannelDecoder.decode(Self.seeds[2]).count == 1)
        #expect(try UserChannelDecoder.decode(Self.seeds[3]).count == 1)
        #expect(try RTDSDecoder.decode("PONG") == [.control("PONG")])
        #expect(try RTDSDecoder.decode("") == [.control("")])
    }

    @Test func malformedTradesGiveTypedErrors() {
        #expect(throws: FeedDecodeError.missingField("transactionHash")) {
            try RTDSDecoder.decode(
                #"{"topic":"activity","type":"trades","payload":{"proxyWallet":"0x510f4963b66b1b18505faab74b0bb943d1dda43c","side":"BUY","asset":"1","conditionId":"0x1d8720896546460a48d4f7fd5b3f0705a8d427921222de498d1cd334d4890c52","size":1,"price":0.5,"timestamp":1}}"#
            )
        }
        #expect(throws: FeedDecodeError.invalidField("side", "HOLD")) {
            try RTDSDecoder.decode(
                #"{"topic":"activity","type":"trades","payload":{"proxyWallet":"0x510f4963b66b1b18505faab74b0bb943d1dda43c","side":"HOLD"}}"#
            )
        }
        #expect(throws: FeedDecodeError.self) { try RTDSDecoder.decode("{not json") }
    }
}
