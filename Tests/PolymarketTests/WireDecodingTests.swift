import Foundation
import PolybotCore
import PolybotTestSupport
import Polymarket
import Testing

/// Decoding of every recorded payload and dataset in ../shared/data: nothing the real API sends is rejected.
@Suite(
    "Wire decoding over real payloads", .enabled(if: SharedData.runs, Comment(rawValue: SharedData.skipReason)))
struct WireDecodingTests {
    @Test func rtdsRecordedFramesDecode() throws {
        let raw = String(
            decoding: try SharedData.data("payloads/rtds_activity_trade_single_frame.raw.json"), as: UTF8.self)
        let messages = try RTDSDecoder.decode(raw)
        guard case .trade(let t, let type, let serverMs) = messages.first else {
            Issue.record("not a trade: \(messages)")
            return
        }
        #expect(type == "trades" && serverMs != nil)
        // Checksummed on the wire, lower-cased here.
        #expect(t.wallet.hex == "0x1015bb260154f51e5f432cb0a3227c1619fcbac8")
        #expect(t.price == Micros(450_000) && t.size == Micros(4_330_000) && t.outcome == "Up" && t.outcomeIndex == 0)
        #expect(t.timestamp == 1_785_027_308 && t.source == .rtds)

        // The whalescan file is a JSON array of five envelopes: one frame, five trades.
        let array = String(decoding: try SharedData.data("payloads/rtds_activity_trades.whalescan.json"), as: UTF8.self)
        let trades = try RTDSDecoder.decode(array).compactMap { m -> Trade? in
            if case .trade(let t, _, _) = m { return t } else { return nil }
        }
        #expect(trades.count == 5)
        #expect(trades.allSatisfy { $0.transactionHash.count == 66 && $0.price <= .one })
    }

    @Test func dataAPITradesExcerptDecodes() throws {
        let rows = try JSONDecoder().decode(
            [WireTrade].self, from: try SharedData.data("payloads/data_api_trades.excerpt.whalescan.json"))
        let trades = try rows.map { try $0.toTrade(source: .dataAPI) }
        #expect(trades.count == 3)
        #expect(trades[0].size == Micros(8_643_000_000) && trades[0].price == Micros(680_000))
    }

    @Test func closedPositionsDecode() throws {
        let rows = try JSONDecoder().decode(
            [WireClosedPosition].self,
            from: try SharedData.data("payloads/data_api_closed_positions.excerpt.whalescan.json"))
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0.curPrice?.micros == .one || $0.curPrice?.micros == .zero })
        #expect(rows[0].realizedPnl?.micros == Micros(583_136_400))
    }

    @Test func restBookDecodesAndSortsBestFirst() throws {
        let book = try OrderBook.decode(try SharedData.data("payloads/clob_rest_book.whalescan.json"))
        #expect(!book.bids.isEmpty && !book.asks.isEmpty)
        #expect(zip(book.bids, book.bids.dropFirst()).allSatisfy { $0.price > $1.price })
        #expect(zip(book.asks, book.asks.dropFirst()).allSatisfy { $0.price < $1.price })
        #expect(book.bestBid! < book.bestAsk!)
        #expect(book.timestampMs == 1_790_262_939_745)
    }

    @Test func marketChannelMessagesDecode() throws {
        let data = try SharedData.data("payloads/clob_ws_market_channel.whalescan.json")
        let objects = try #require(try JSONSerialization.jsonObject(with: data) as? [Any])
        var kinds: [String: Int] = [:]
        for object in objects {
            let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            for event in try MarketChannelDecoder.decode(text) {
                switch event {
                case .book(let b):
                    kinds["book", default: 0] += 1
                    #expect(b.bestAsk != nil)
                case .priceChange(_, _, let changes):
                    kinds["price_change", default: 0] += 1
                    #expect(!changes.isEmpty)
                case .lastTradePrice: kinds["last_trade_price", default: 0] += 1
                default: Issue.record("unexpected \(event)")
                }
            }
        }
        #expect(kinds == ["book": 3, "price_change": 3, "last_trade_price": 1])
    }

    @Test func nobelCSVDecodesEveryRow() throws {
        let rows = try TradeFileReader().read(path: SharedData.path("nobel2025_trades.data-api.csv"))
        let failures = rows.filter { if case .failure = $0.result { true } else { false } }
        #expect(rows.count == 5000)
        #expect(failures.isEmpty, "\(failures.prefix(3).map { "line \($0.line): \($0.result)" })")
        let unique = Set(rows.compactMap { try? $0.result.get().key })
        #expect(unique.count == 1500)
        let wallets = Set(rows.compactMap { try? $0.result.get().wallet })
        #expect(wallets.count == 665)
    }

    @Test func cryptoEsportsCSVDecodesWithLocalTimes() throws {
        let reader = TradeFileReader(options: .init(localTimeZone: TimeZone(identifier: "America/New_York")!))
        let rows = try reader.read(path: SharedData.path("crypto_esports_trades_2026-01-08.data-api.csv"))
        let failures = rows.filter { if case .failure = $0.result { true } else { false } }
        #expect(rows.count == 2852 && failures.isEmpty, "\(failures.prefix(3).map { "line \($0.line): \($0.result)" })")
        let first = try rows[0].result.get()
        // 2026-01-08 12:31:08 US/Eastern (UTC−5) = 17:31:08 UTC.
        #expect(first.timestamp == 1_767_893_468)
        #expect(first.transactionHash.count == 66)  // synthetic: the file has no transactionHash column
        #expect(Set(rows.compactMap { try? $0.result.get().key }).count == 2254)
    }

    @Test func gammaMarketsDecode() throws {
        let gz = SharedData.path("btc5m_markets_2026-07-24.gamma.jsonl.gz")
        let text = try gunzip(gz)
        var decoded = 0
        var resolved = 0
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let raw = try #require(object["raw"])
            let market = try JSONDecoder().decode(
                GammaMarket.self, from: try JSONSerialization.data(withJSONObject: raw))
            decoded += 1
            #expect(market.clobTokenIds.count == 2 && market.outcomes.count == 2)
            #expect(market.clobTokenIds == object["token_ids"] as? [String])
            if market.winningTokenId != nil { resolved += 1 }
        }
        #expect(decoded == 292)
        #expect(resolved > 0)
    }

    private func gunzip(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", path]
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        p.standardOutput = try FileHandle(forWritingTo: out)
        try p.run()
        p.waitUntilExit()
        return try String(contentsOf: out, encoding: .utf8)
    }
}
