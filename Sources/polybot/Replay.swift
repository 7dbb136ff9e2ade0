import ArgumentParser
import Foundation
import Logging
import PolybotApp

/// `polybot replay`.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole pipeline in paper mode over a recorded trade file and print a report.",
        discussion: """
            The file (Data API /trades rows as CSV with header, or JSONL; duplicates dropped) runs through the daemon's \
            stages on the event-time engine: market time, each trade handled to the end before the next, in process (no \
            server, no socket). Paper fills come from the recorded tape: after POLYBOT_COPY_DELAY_SECONDS of market time \
            an order takes the prints that followed on its token within its limit, at most \
            POLYBOT_TAPE_PARTICIPATION_PCT of each (less what earlier copies took), until its lifetime ends; each \
            market's taker fee (--fees) is paid per print. The sizer reads the last print as the price to set its \
            limit from. The report is byte-for-byte the same at every --speed (max by default; a number paces \
            delivery at that many times the recorded pace). A throwaway embedded database is used and removed. The basket is --wallets, or the file's --basket-size most profitable wallets \
            once its markets resolved (with --markets; top buyers by notional without), chosen in hindsight: the report \
            measures execution, not wallet selection. With --markets (resolutions CSV or \
            Gamma JSONL), positions still open at the end are settled at resolution.

            Wallets that are one trader vote once: wallets whose first funders in --transfers lead to one address (not \
            Polymarket's contracts nor --funding-excluded), and pairs that trade the same token and side within 60 s far \
            more often than chance explains (Bonferroni over the basket's pairs). Like the basket, the links are those \
            known by the end of the file (a backtest keeps each link's own time); fills between one trader's wallets \
            (wash) are dropped from the file.

            Report: every signal with its status or skip/denial reason, our fill price, size and fee from the tape, \
            and the copy-delay cost ((our average − the whales' average) × shares); every fill with its fee; totals and \
            PnL (fees in the cost basis).
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "Trades file.") var file: String
    @Option(help: "Resolutions file (CSV or Gamma JSONL).") var markets: String?
    @Option(help: "Replay speed: × recorded pace, or max (the report is the same at every speed).") var speed = "max"
    @Option(
        help:
            "Fee schedules: 2026 (the venue's, by category: politics 0.04, crypto 0.07, sports 0.03, exponent 1), none, or RATE:EXPONENT."
    ) var fees = "2026"
    @Option(
        help:
            "Basket wallets (comma-separated; default: the file's most profitable wallets with --markets, else its top buyers)."
    ) var wallets: [String] = []
    @Option(help: "Basket size when --wallets is not given.") var basketSize = 12
    @Option(help: "Members that must agree.") var minMembers = 3
    @Option(help: "Whale notional threshold, USDC (default: POLYBOT_WHALE_MIN_NOTIONAL).") var minNotional: String?
    @OptionGroup var funding: FundingOptions
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
                minMembers: minMembers, minNotional: minNotional, timeZone: timezone, fees: fees,
                transfers: funding.transfers, fundingExcluded: funding.fundingExcluded)
            let report = try await ReplayCommand.run(config: config, options: options, logger: logger)
            if format == "json" {
                print(ReplayCommand.json(report))
            } else {
                for line in ReplayCommand.text(report, speed: options.speed) { print(line) }
            }
        } catch {
            throw fail(error)
        }
    }
}
