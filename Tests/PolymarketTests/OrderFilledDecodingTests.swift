import Foundation
import Logging
import PolybotCore
import Polymarket
import Testing

/// The V2 `OrderFilled` log read back into a fill (feeds notes §6.2). No recorded chain log is in `../shared/data`, so
/// the logs here are ABI-encoded from the event's layout by the test itself; their values are a Data API row of the
/// feeds notes (§3.1), which the decoded log must reproduce: wallet, token, side, size and price.
@Suite("OrderFilled (Exchange V2) decoding")
struct OrderFilledDecodingTests {
    static let exchange = "0xe111180000d2663c0091e4f400237545b87b996b"

    static func word(_ bytes: [UInt8]) -> String {
        HexCoding.encode([UInt8](repeating: 0, count: 32 - bytes.count) + bytes, prefix: false)
    }
    static func word(_ value: UInt64) -> String { word(UInt256Word(value).bytes) }
    static func word(address: String) -> String { word(HexCoding.decode(address)!) }

    /// A log as `eth_getLogs` returns it.
    static func log(
        maker: String, taker: String = "0x00000000000000000000000000000000000000a1", side: UInt64, token: String,
        makerAmount: UInt64, takerAmount: UInt64, fee: UInt64 = 0, block: Int = 0x4c4b40, index: Int = 7
    ) -> ChainLog {
        let data =
            "0x" + word(side) + word(UInt256Word(decimal: token)!.bytes) + word(makerAmount) + word(takerAmount)
            + word(fee) + word(0) + word(0)
        return ChainLog(
            address: exchange,
            topics: [
                OrderFilled.topic0, "0x" + String(repeating: "ab", count: 32), "0x" + word(address: maker),
                "0x" + word(address: taker),
            ],
            data: data, blockNumber: "0x" + String(block, radix: 16),
            blockHash: "0x" + String(repeating: "cd", count: 32),
            transactionHash: "0x57e94d52987f4f169c0d2eab2f491a45b4a2747132d124d1173b672c9aeed505",
            logIndex: "0x" + String(index, radix: 16))
    }

    /// What the simulator's chain emits reads back as the same fill.
    @Test func anEncodedFillDecodesToItself() throws {
        let fill = try #require(
            OrderFilled(
                exchange: "0xe2222d279d744050d28e00520010520000310F59",
                orderHash: "0x" + String(repeating: "9f", count: 32),
                maker: "0x0f3433d8b7596000bf1046aa822308d93cf67684",
                taker: "0x44461806c4fdbfafeae351cfb9b873f7f7f3f12e",
                side: .sell,
                tokenId: "110474601866909537724044216141585040787927916157559633438159999666255694855775",
                makerAmountFilled: Micros(15_000_000), takerAmountFilled: Micros(11_475_000), fee: Micros(12),
                blockNumber: 81_000_000, blockHash: "0x" + String(repeating: "0e", count: 32),
                transactionHash: "0x2e34c255aaf68780608cb9b48671f3edd6b4f10377690d97a77763b8fd8d40be", logIndex: 300))
        let log = fill.log
        #expect(log.topics.count == 4 && log.data.utf8.count == 2 + 7 * 64)
        #expect(try OrderFilled(log) == fill)
        #expect(fill.price == Micros(765_000) && fill.shares == Micros(15_000_000))
        var removed = fill
        removed.removed = true
        #expect(try OrderFilled(removed.log).removed)
        // What cannot be emitted is refused, not written as zero.
        #expect(
            OrderFilled(
                exchange: "0xe2222d279d744050d28e00520010520000310F59", orderHash: "0x00", maker: fill.maker,
                taker: fill.taker, side: .buy, tokenId: "12", makerAmountFilled: .one, takerAmountFilled: .one,
                blockNumber: 1, transactionHash: "0x01", logIndex: 0) == nil)
        #expect(
            OrderFilled(
                exchange: fill.exchange, orderHash: fill.orderHash, maker: fill.maker, taker: fill.taker, side: .buy,
                tokenId: "not a number", makerAmountFilled: .one, takerAmountFilled: .one, blockNumber: 1,
                transactionHash: "0x01", logIndex: 0) == nil)
    }

    @Test func topicZeroIsTheKeccakOfTheSignature() {
        #expect(HexCoding.encode(Keccak256.hash(Array(OrderFilled.signature.utf8))) == OrderFilled.topic0)
        #expect(
            HexCoding.encode(Keccak256.hash(Array(OrderFilled.ordersMatchedSignature.utf8)))
                == OrderFilled.ordersMatchedTopic0)
    }

    /// The taker's `OrdersMatched` summary: three topics, four words, and no trade of its own (it is another event).
    @Test func theTakersSummaryIsEncodedAndIsNotAFill() throws {
        let taker = try OrderFilled(
            Self.log(
                maker: "0x0f3433d8b7596000bf1046aa822308d93cf67684", taker: Self.exchange, side: 0, token: "77",
                makerAmount: 11_475_000, takerAmount: 15_000_000))
        let summary = taker.ordersMatchedLog
        #expect(summary.topics.count == 3 && summary.data.utf8.count == 2 + 4 * 64)
        #expect(summary.topics[0] == OrderFilled.ordersMatchedTopic0 && summary.topics[1] == taker.orderHash)
        #expect(summary.topics[2].hasSuffix("0f3433d8b7596000bf1046aa822308d93cf67684"))
        #expect(summary.data == "0x" + Self.word(0) + Self.word(77) + Self.word(11_475_000) + Self.word(15_000_000))
        #expect(throws: ChainLogError.otherEvent(OrderFilled.ordersMatchedTopic0)) { try OrderFilled(summary) }
    }

    /// The Data API row of feeds notes §3.1: `proxyWallet 0x0f34…7684`, BUY 15 shares at 0.765 of token 1104…5775.
    @Test func aBuyReproducesTheDataAPIRow() throws {
        let token = "110474601866909537724044216141585040787927916157559633438159999666255694855775"
        let fill = try OrderFilled(
            Self.log(
                maker: "0x0f3433d8b7596000bf1046aa822308d93cf67684", side: 0, token: token, makerAmount: 11_475_000,
                takerAmount: 15_000_000, fee: 45_900))
        #expect(fill.maker == "0x0f3433d8b7596000bf1046aa822308d93cf67684" && fill.side == .buy)
        #expect(fill.tokenId == token)
        #expect(fill.shares == Micros(15_000_000) && fill.usdc == Micros(11_475_000))
        #expect(fill.price == Micros(decimal: "0.765") && fill.fee == Micros(45_900))
        #expect(fill.blockNumber == 0x4c4b40 && fill.logIndex == 7 && !fill.removed)
        #expect(fill.key == "0x57e94d52987f4f169c0d2eab2f491a45b4a2747132d124d1173b672c9aeed505:7")
        #expect(!fill.isTakersOwnFill)
    }

    @Test func aSellGivesSharesAndGetsUSDCAndTheTakersOwnRecordIsRecognised() throws {
        var log = Self.log(
            maker: "0x44461806c4fdbfafeae351cfb9b873f7f7f3f12e", taker: Self.exchange, side: 1, token: "42",
            makerAmount: 10_000_000, takerAmount: 2_350_000)
        log.removed = true
        let fill = try OrderFilled(log)
        #expect(fill.side == .sell && fill.shares == Micros(10_000_000) && fill.usdc == Micros(2_350_000))
        #expect(fill.price == Micros(235_000) && fill.tokenId == "42")
        #expect(fill.isTakersOwnFill && fill.removed)
    }

    @Test func aPriceThatIsNotWholeMicrosRoundsToTheNearest() throws {
        // 1 USDC for 3 shares: 0.333333… → 0.333333; 2 for 3: 0.666666… → 0.666667.
        let third = try OrderFilled(
            Self.log(
                maker: "0x" + String(repeating: "1", count: 40), side: 0, token: "7", makerAmount: 1_000_000,
                takerAmount: 3_000_000))
        let twoThirds = try OrderFilled(
            Self.log(
                maker: "0x" + String(repeating: "1", count: 40), side: 0, token: "7", makerAmount: 2_000_000,
                takerAmount: 3_000_000))
        #expect(third.price == Micros(333_333) && twoThirds.price == Micros(666_667))
        let none = try OrderFilled(
            Self.log(
                maker: "0x" + String(repeating: "1", count: 40), side: 0, token: "7", makerAmount: 0, takerAmount: 0))
        #expect(none.price == nil)
    }

    /// Token ids are full 256-bit words: decimal both ways, for words across the whole range.
    @Test func tokenIdsRoundTripThroughDecimal() throws {
        var generator = SystemRandomNumberGenerator()
        var words: [[UInt8]] = [[UInt8](repeating: 0xFF, count: 32), [UInt8](repeating: 0, count: 31) + [1]]
        for _ in 0..<500 {
            let length = Int.random(in: 1...32, using: &generator)
            words.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        for w in words {
            let padded = [UInt8](repeating: 0, count: 32 - w.count) + w
            var log = Self.log(
                maker: "0x" + String(repeating: "2", count: 40), side: 0, token: "1", makerAmount: 1,
                takerAmount: 1)
            log.data =
                "0x" + Self.word(0) + HexCoding.encode(padded, prefix: false) + String(log.data.dropFirst(2 + 128))
            let decimal = try OrderFilled(log).tokenId
            #expect(UInt256Word(decimal: decimal)?.bytes == padded, "\(HexCoding.encode(padded)) → \(decimal)")
        }
        #expect(
            try OrderFilled(
                {
                    var l = Self.log(
                        maker: "0x" + String(repeating: "2", count: 40), side: 0, token: "1",
                        makerAmount: 1, takerAmount: 1)
                    l.data = "0x" + Self.word(0) + String(repeating: "f", count: 64) + String(l.data.dropFirst(2 + 128))
                    return l
                }()
            ).tokenId == "115792089237316195423570985008687907853269984665640564039457584007913129639935")
    }

    @Test func otherEventsAndMalformedLogsAreRefusedByName() {
        let good = Self.log(
            maker: "0x" + String(repeating: "3", count: 40), side: 0, token: "9", makerAmount: 5,
            takerAmount: 5)
        var other = good
        other.topics[0] = "0x" + String(repeating: "0", count: 64)
        #expect(throws: ChainLogError.otherEvent(other.topics[0])) { try OrderFilled(other) }
        var short = good
        short.topics.removeLast()
        #expect(throws: ChainLogError.malformed("3 topics, 4 expected")) { try OrderFilled(short) }
        var side = good
        side.data = "0x" + Self.word(2) + String(good.data.dropFirst(2 + 64))
        #expect(throws: ChainLogError.malformed("side word")) { try OrderFilled(side) }
        var huge = good
        // makerAmountFilled = 2^64 − 1: beyond what micro units hold.
        huge.data =
            String(good.data.prefix(2 + 128)) + String(repeating: "0", count: 48) + String(repeating: "f", count: 16)
            + String(good.data.dropFirst(2 + 192))
        #expect(throws: ChainLogError.amountTooLarge("makerAmountFilled")) { try OrderFilled(huge) }
        var truncated = good
        truncated.data = String(good.data.dropLast(64))
        #expect(throws: ChainLogError.self) { try OrderFilled(truncated) }
    }

    /// Two of one wallet's orders matched in one transaction at the same size (a ladder at two prices) are two trades:
    /// the key has no price, so the second is told apart by its order (`ordinal`), and each keeps its log index.
    @Test func twinFillsInOneTransactionAreToldApartByTheirOrder() async throws {
        struct OneMarket: TokenMarkets {
            func markets(tokens: Set<String>) async throws -> [String: TokenMarket] {
                Dictionary(
                    uniqueKeysWithValues: tokens.map {
                        (
                            $0,
                            TokenMarket(
                                conditionId: "0x" + String(repeating: "c", count: 64), outcome: "Yes", outcomeIndex: 0,
                                question: "q", slug: "s", eventSlug: "e")
                        )
                    })
            }
        }
        let a = "0x" + String(repeating: "a", count: 40)
        let b = "0x" + String(repeating: "b", count: 40)
        // BUY: maker pays USDC (maker amount) for shares (taker amount).
        var logs = [
            Self.log(maker: a, side: 0, token: "9", makerAmount: 40_000_000, takerAmount: 100_000_000, index: 3),
            Self.log(maker: b, side: 0, token: "9", makerAmount: 42_000_000, takerAmount: 100_000_000, index: 4),
            Self.log(maker: a, side: 0, token: "9", makerAmount: 45_000_000, takerAmount: 100_000_000, index: 5),
        ]
        // A node that ignores the topic filter also sends the match's summary: skipped, not counted as rejected.
        logs.append(try OrderFilled(logs[0]).ordersMatchedLog)
        for i in logs.indices { logs[i].blockTimestamp = "0x6553f100" }
        let transport = HTTPTransport(logger: Logger(label: "test.twins"))
        let reader = ChainRangeReader(
            rpc: PolygonRPC(url: "http://127.0.0.1:9/rpc", transport: transport), tokens: OneMarket(),
            exchanges: [Self.exchange], comboExchanges: [])
        let decoded = try await reader.decode(logs, minNotional: .zero)
        try await transport.shutdown()
        #expect(decoded.rejected.isEmpty)
        #expect(decoded.ordered.map(\.logIndex) == [3, 4, 5])
        #expect(decoded.ordered.map(\.ordinal) == [nil, nil, 1])
        #expect(decoded.ordered.map(\.price) == [Micros(400_000), Micros(420_000), Micros(450_000)])
        #expect(Set(decoded.ordered.map(\.key)).count == 3)
        // A feed's report of A's first fill, at a price rounded its own way, is the same trade as the chain's.
        var feed = decoded.ordered[0]
        feed.source = .rtds
        feed.price = Micros(400_001)
        feed.logIndex = nil
        #expect(feed.key == decoded.ordered[0].key && feed.key != decoded.ordered[2].key)
    }

    /// A fill on Polygon after the V2 migration, as a third-party indexer's tests record the two `OrderFilled` records of
    /// transaction 0x2be95df8…62e3d4 (block 79,501,872): the wallet 0x2005…75ea bought 12.31 shares at 0.62 for
    /// $7.6322 (side 0, amounts 0x747548 / 0xbbd5f0 of token 0x8b43…fe5f9), and its counterparty's record sold them with
    /// a fee of 0x23672 ($0.14501). The amounts, token, wallets and side are the receipt's; the order hashes are not in
    /// that source (placeholders here). No Data API row of this transaction is in `../shared/data` (our recorded files
    /// predate V2), so the receipt's own figures are what the decoding must reproduce.
    @Test func aRecordedV2ReceiptDecodesToItsFill() throws {
        let buyer = "0x2005d16a84ceefa912d4e380cd32e7ff827875ea"
        let seller = "0x40841cc01207119e01b04800c71f7ce281767fe1"
        let token = "62990499176564282774255322658274507103956745212566816824251297821460375004665"
        let bought = try OrderFilled(
            Self.log(
                maker: buyer, taker: seller, side: 0, token: token, makerAmount: 0x747548, takerAmount: 0xbbd5f0,
                block: 79_501_872))
        #expect(bought.maker == buyer && bought.side == .buy && bought.tokenId == token)
        #expect(bought.shares == Micros(12_310_000) && bought.usdc == Micros(7_632_200))
        #expect(bought.price == Micros(620_000) && bought.fee == .zero)
        let sold = try OrderFilled(
            Self.log(
                maker: seller, taker: buyer, side: 1, token: token, makerAmount: 0xbbd5f0, takerAmount: 0x747548,
                fee: 0x23672, block: 79_501_872))
        #expect(sold.maker == seller && sold.side == .sell)
        #expect(sold.shares == Micros(12_310_000) && sold.price == Micros(620_000) && sold.fee == Micros(145_010))
    }
}
