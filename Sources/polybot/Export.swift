import ArgumentParser
import Foundation
import Logging
import PolybotApp

/// `polybot export`.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export orders, trades, positions, signals or risk decisions as CSV or JSON lines (oldest first).",
        discussion: """
            Money, prices and sizes are exact decimals; times are ISO 8601 UTC. CSV has a header row and guards cells \
            that a spreadsheet would run as a formula. --since takes YYYY-MM-DD or an ISO 8601 time.
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "orders | trades | positions | signals | risk") var table: String
    @Option(help: "csv or jsonl.") var format = "csv"
    @Option(help: "Only rows from this date or time on.") var since: String?

    func validate() throws {
        guard ExportCommand.table(table) != nil else {
            throw ValidationError("table must be orders, trades, positions, signals or risk")
        }
        guard ExportCommand.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be csv or jsonl")
        }
        if let since, ExportCommand.parseSince(since) == nil {
            throw ValidationError("--since must be YYYY-MM-DD or an ISO 8601 time")
        }
    }

    func run() async throws {
        let (config, _) = try common.load()
        var (logger, _) = bootstrap(config)
        logger.logLevel = .error
        do {
            let n = try await ExportCommand.run(
                table: ExportCommand.table(table)!, format: ExportCommand.Format(rawValue: format)!,
                since: since.flatMap(ExportCommand.parseSince), config: config, logger: logger)
            FileHandle.standardError.write(Data("\(n) rows\n".utf8))
        } catch {
            throw fail(error)
        }
    }
}
