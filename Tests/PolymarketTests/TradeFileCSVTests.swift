import Foundation
import PolybotCore
import Polymarket
import Testing

/// The CSV reader is one pass over the bytes (issue 15: a million-row replay file); RFC 4180 quoting still holds.
@Suite("Trade file CSV")
struct TradeFileCSVTests {
    static let wallet = "0x" + String(repeating: "1", count: 40)
    static let market = "0x" + String(repeating: "a", count: 64)
    static let tx = "0x" + String(repeating: "b", count: 64)

    func row(title: String, ts: String = "1760000000", tx: String = tx) -> String {
        "\(Self.wallet),BUY,123,\(Self.market),10,0.5,\(ts),\(title),slug,,event,Yes,0,,,,,,\(tx)"
    }

    @Test func quotedFieldsCommasQuotesLineBreaksAndCRLF() throws {
        let header =
            "proxyWallet,side,asset,conditionId,size,price,timestamp,title,slug,icon,eventSlug,outcome,outcomeIndex,name,pseudonym,bio,profileImage,profileImageOptimized,transactionHash"
        let text =
            header + "\r\n" + row(title: #""Who wins, and when?""#) + "\r\n"
            + row(title: #""He said ""yes""""#, tx: "0x" + String(repeating: "c", count: 64)) + "\n"
            + row(title: "\"two\nlines\"", tx: "0x" + String(repeating: "d", count: 64)) + "\n"
            + row(title: "plain", ts: " 1760000001", tx: "0x" + String(repeating: "e", count: 64))
        let rows = try TradeFileReader().read(data: Data(text.utf8))
        let trades = try rows.map { try $0.result.get() }
        #expect(trades.map(\.title) == ["Who wins, and when?", #"He said "yes""#, "two\nlines", "plain"])
        // Line numbers count the line break inside the quoted title; the last row has no final newline.
        #expect(rows.map(\.line) == [2, 3, 4, 6])
        #expect(trades.map(\.timestamp) == [1_760_000_000, 1_760_000_000, 1_760_000_000, 1_760_000_001])
        #expect(trades.allSatisfy { $0.price == Micros(500_000) && $0.size == Micros(10_000_000) })
    }

    @Test func aMissingColumnIsRefusedAndAnEmptyFileIsEmpty() throws {
        #expect(throws: FeedDecodeError.self) { try TradeFileReader().read(data: Data("proxyWallet,side\n".utf8)) }
        #expect(try TradeFileReader().read(data: Data()).isEmpty)
    }
}
