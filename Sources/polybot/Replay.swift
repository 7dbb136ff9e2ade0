import ArgumentParser
import Foundation
import Logging
import PolybotApp

/// `polybot replay`.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole pipeline in paper mode over a recorded trade file and print a report.",
        discussion: """
            The file (Data API /trades rows as CSV with header, or JSONL; duplicates dropped) is served by an in-process
            polymarket-sim on 127.0.0.1 at --speed × the recorded pace; the daemon's stages consume its RTDS feed and the
            paper gateway walks its books at detection time + POLYBOT_COPY_DELAY_SECONDS of market time. A throwaway
            embedded database is used and removed. The basket is --wallets, or the file's --basket-size most profitable wallets
            once its markets resolved (with --markets; top buyers by notional without), chosen in hindsight: the report
            measures execution, not wallet selection. With --markets (resolutions CSV or
            Gamma JSONL), positions still open at the end are settled at resolution.
            Report: every signal with its status or skip/denial reason, our fill price and size from the book walk, and the
            copy-delay cost ((our average − the whales' average) × shares); totals and PnL.
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "Trades file.") var file: String
    @Option(help: "Resolutions file (CSV or Gamma JSONL).") var markets: String?
    @Option(help: "Replay speed: × recorded pace, or max.") var speed = "60"
    @Option(
        help:
            "Basket wallets (comma-separated; default: the file's most profitable wallets with --markets, else its top buyers)."
    ) var wallets: [String] = []
    @Option(help: "Basket size when --wallets is not given.") var basketSize = 12
    @Option(help: "Members that must agree.") var minMembers = 3
    @Option(help: "Whale notional threshold, USDC (default: POLYBOT_WHALE_MIN_NOTIONAL).") var minNotional: String?
    @Option(help: "text or json.") var format = "text"
    @Option(help: "Zone of local-time timestamps in the trades file.") var timezone = "UTC"

    func validate() throws {
        guard format == "text" || format == "json" else { throw ValidationError("--format must be text or json") }
    }

    func run() async throws {
        let (config, _) = try common.load(["POLYBOT_MODE": "paper"])
        let (logger, _) = bootstrap(config)
        do {
            let options = try ReplayCommand.options(
                trades: file, markets: markets, speed: speed, wallets: wallets, basketSize: basketSize,
                minMembers: minMembers, minNotional: minNotional, timeZone: timezone)
            let report = try await ReplayCommand.run(config: config, options: options, logger: logger)
            if format == "json" {
                print(ReplayCommand.json(report))
            } else {
                for line in ReplayCommand.text(report) { print(line) }
            }
        } catch {
            throw fail(error)
        }
    }
}
