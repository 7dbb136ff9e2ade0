import ArgumentParser
import Foundation
import Logging
import PolybotApp

/// `polybot backfill`.
struct Backfill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read wallets' trade history into the database (resumable, with progress).",
        discussion: """
            --wallet ADDR backfills one wallet (its whole history, or since --since); --since DATE alone backfills every \
            tracked wallet. Reads Data API v2 /v2/trades (cursor paging, no offset cap) where it exists, else v1 \
            /activity windows. Progress is stored per wallet after every page: an interrupted run resumes at its cursor, \
            a finished wallet is not read again. Combo (parlay) rows are left out and counted.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "The wallet to backfill (0x address).") var wallet: String?
    @Option(help: "Only trades at or after this time: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC).") var since: String?

    func run() async throws {
        let (config, _) = try common.load()
        let (logger, _) = bootstrap(config)
        do {
            let summary = try await BackfillCommand.run(
                config: config, wallet: wallet, since: since, logger: logger
            ) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            print(summary)
        } catch {
            throw fail(error)
        }
    }
}
