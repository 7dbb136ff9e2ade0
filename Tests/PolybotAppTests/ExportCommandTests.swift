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
                    == "id,traded_at,wallet,side,asset,condition_id,title,outcome,size,price,notional,transaction_hash,source,"
                    + "sources,log_index,ordinal"
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
            // Which sources saw the row: the one that stored it first, and any other that delivered it since.
            #expect(row["sources"] as? String == "rtds")
            var fromChain = t2
            fromChain.source = .chain
            fromChain.logIndex = 17
            #expect(try await store.trades.insert(fromChain) == nil)
            #expect(try await store.trades.sources(t2.key) == [.rtds, .chain])
            let seen = Mutex<[String]>([])
            _ = try await ExportCommand.run(
                table: .trades, format: .jsonl, since: since, client: client, logger: Logger(label: "t")
            ) { line in seen.withLock { $0.append(line) } }
            let both = try #require(
                try JSONSerialization.jsonObject(with: Data(seen.withLock { $0[0] }.utf8)) as? [String: Any])
            #expect(both["sources"] as? String == "rtds,chain" && "\(both["log_index"] ?? "none")" == "17", "\(both)")
            // A reorg takes the chain's sighting back: the row stays with its other source; a chain-only row goes.
            let kept = try await store.trades.retract(t2.key, source: .chain)
            if case .retracted(_, let deleted, let signals) = kept {
                #expect(!deleted && signals.isEmpty)
            } else {
                Issue.record("not retracted: \(kept)")
            }
            #expect(try await store.trades.sources(t2.key) == [.rtds])
            let orphan = Fixtures.trade(tx: 9, source: .chain)
            #expect(try await store.trades.insert(orphan) != nil)
            let gone = try await store.trades.retract(orphan.key, source: .chain)
            if case .retracted(_, let deleted, _) = gone {
                #expect(deleted)
            } else {
                Issue.record("not retracted: \(gone)")
            }
            #expect(try await store.trades.sources(orphan.key) == nil)
            #expect(try await store.trades.retract(orphan.key, source: .chain) == .absent)
            for table in ExportCommand.Table.allCases {
                _ = try await ExportCommand.run(
                    table: table, format: .jsonl, since: nil, client: client, logger: Logger(label: "t")
                ) { _ in }
            }
        }
    }
}
