import ArgumentParser
import Foundation
import Logging
import PolybotApp

/// `polybot backtest`.
struct Backtest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk-forward backtest: would copying wallets chosen only from the past have made money after fees?",
        discussion: """
            At every --rescore-every of market time, every wallet is scored only from the trades before that time and \
            the resolutions known before it (a resolutions file's resolved_at_utc: a date alone counts from the end of \
            that day; an undated resolution is never used); informed = a positive edge over the price paid that \
            survives Benjamini–Hochberg at POLYBOT_CLASS_INFORMED_FDR across all wallets scored. The --basket rule picks \
            the members (top:N informed by the edge's lower bound; markout:N by 1 h markout, exploratory), and the \
            daemon's pipeline runs on until the next rescoring in paper mode: consensus, sizing, risk, fills from the \
            recorded tape after POLYBOT_COPY_DELAY_SECONDS (the prints that followed on the token within our limit, at \
            most POLYBOT_TAPE_PARTICIPATION_PCT of each, depleted by our own fills; none inside the limit: not filled) \
            with the taker fees of --fees. Positions settle at their market's resolution time; those still open at the \
            end are settled by the file for evaluation only.

            The verdict judges that membership schedule on one pure path (copies held to resolution) with three tests, \
            each one-sided at 0.05: (1) Σ shares × (outcome − price paid) − fees against its null with every market \
            winning at its break-even price, markets of one event clustered (comonotone), exact or saddlepoint, over at \
            least 10 independent events; (2) better than copying every whale trade on the same markets, paired by event \
            (sign flips); (3) stronger, by that event-test p-value, than 95 % of 200 random baskets drawn with the \
            walk-forward's own schedule (same size at each rescoring, from the whales known then). edgeSignificant is their conjunction; the hindsight \
            basket (--baselines all) is an upper bound and never significant. The report: every signal with the \
            snapshots it used, the whales' price, our limit and fill, the share filled and why not, fee, copy-delay \
            cost and result; the pipeline's books, equity curve and maximum drawdown; each run's return with its 95 % \
            interval over events; the three tests; a sensitivity table (+1, +3, +5 ¢ per share for every basket); \
            per-wallet copyability with its interval.

            Wallets that are one trader vote once (funding links from --transfers, co-trading links from the trades, \
            each from when it was known); fills between one trader's wallets are dropped.
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "Trades file (Data API CSV or JSONL).") var file: String
    @Option(help: "Resolutions file (CSV with resolved_at_utc; Gamma JSONL has no times).") var markets: String
    @Option(help: "First traded day, YYYY-MM-DD UTC (scoring still reads earlier trades).") var from: String?
    @Option(help: "Day after the last traded day, YYYY-MM-DD UTC.") var to: String?
    @Option(help: "Rescoring interval on market time: 1d, 12h, 30m…") var rescoreEvery = "1d"
    @Option(help: "Basket rule: top:N (informed, by edge lower bound) or markout:N.") var basket = "top:10"
    @Option(help: "Members that must agree.") var minMembers = 2
    @Option(help: "Whale notional threshold, USDC (default: POLYBOT_WHALE_MIN_NOTIONAL).") var minNotional: String?
    @Option(help: "Fee schedules: 2026, none, or RATE:EXPONENT.") var fees = "2026"
    @Option(help: "Hindsight basket: all or none (every whale trade and the random baskets always run).")
    var baselines = "all"
    @Option(help: "Seed of the random baskets.") var seed: UInt64 = 2026
    @Option(help: "Sizing: fixed (POLYBOT_FIXED_ORDER_USDC per signal), kelly or proportional.") var sizing = "fixed"
    @OptionGroup var funding: FundingOptions
    @Option(help: "text, json or html (one self-contained page).") var format = "text"
    @Flag(
        help:
            "Also store the run and its report in the configured database (backtest_runs), where the dashboard's Backtests page shows it."
    ) var save = false

    func validate() throws {
        guard ["text", "json", "html"].contains(format) else {
            throw ValidationError("--format must be text, json or html")
        }
        guard baselines == "all" || baselines == "none" else {
            throw ValidationError("--baselines must be all or none")
        }
    }

    func run() async throws {
        let (config, _) = try common.load(["POLYBOT_MODE": "paper"])
        let (logger, _) = bootstrap(config)
        do {
            let options = try BacktestCommand.options(
                trades: file, markets: markets, from: from, to: to, rescoreEvery: rescoreEvery, basket: basket,
                minMembers: minMembers, minNotional: minNotional, fees: fees, baselines: baselines == "all",
                seed: seed, sizing: sizing, transfers: funding.transfers, fundingExcluded: funding.fundingExcluded)
            let report: BacktestCommand.Report
            if save {
                let name = URL(fileURLWithPath: file).lastPathComponent
                (report, _) = try await BacktestCommand.runAndSave(
                    config: config, options: options, source: name, logger: logger)
            } else {
                report = try await BacktestCommand.run(config: config, options: options, logger: logger)
            }
            switch format {
            case "json": print(BacktestCommand.json(report))
            case "html": print(BacktestCommand.html(report))
            default: for line in BacktestCommand.text(report) { print(line) }
            }
        } catch {
            throw fail(error)
        }
    }
}
