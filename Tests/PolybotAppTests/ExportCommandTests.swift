import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotStore
import PolybotTestSupport
import Synchronization
import Testing

@Suite("polybot export")
struct ExportCommandTests {
    @Test func csvAndJSONLinesAreExactAndSafe() async throws {
        try await withTestDatabase { store, client in
            let t1 = Fixtures.trade(tx: 1, size: Micros(12_345_678), price: Micros(410_000), timestamp: 1_700_000_000)
            var t2 = Fixtures.trade(tx: 2, size: Micros(1_000_000), price: Micros(999_000), timestamp: 1_800_000_000)
            t2.title = "=HYPERLINK(\"x\"), with comma"
            _ = try await store.trades.insertBatch([t1, t2])
            let lines = Mutex<[String]>([])
            let n = try await ExportCommand.run(
                table: .trades, format: .csv, since: nil, client: client, logger: Logger(label: "t")
            ) { line in
                lines.withLock { $0.append(line) }
            }
            let csv = lines.withLock { $0 }
            #expect(n == 2 && csv.count == 3)
            #expect(
                csv[0]
                    == "id,traded_at,wallet,side,asset,condition_id,title,outcome,size,price,notional,transaction_hash,source"
            )
            // Exact decimals; ISO times; a formula-looking cell is defused and quoted.
            #expect(csv[1].contains(",2023-11-14T22:13:20Z,") && csv[1].contains(",12.345678,0.41,"))
            #expect(csv[2].contains(#","'=HYPERLINK(""x""), with comma","#))
            let since = try #require(ExportCommand.parseSince("2025-01-01"))
            let json = Mutex<[String]>([])
            let m = try await ExportCommand.run(
                table: .trades, format: .jsonl, since: since, client: client, logger: Logger(label: "t")
            ) { line in
                json.withLock { $0.append(line) }
            }
            #expect(m == 1)
            let row = try #require(
                try JSONSerialization.jsonObject(with: Data(json.withLock { $0[0] }.utf8)) as? [String: Any])
            #expect(row["price"] as? String == "0.999" && row["traded_at"] as? String == "2027-01-15T08:00:00Z")
            for table in ExportCommand.Table.allCases {
                _ = try await ExportCommand.run(
                    table: table, format: .jsonl, since: nil, client: client, logger: Logger(label: "t")
                ) { _ in }
            }
        }
    }
}
