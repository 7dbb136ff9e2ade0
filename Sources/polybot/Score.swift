import ArgumentParser
import Foundation
import PolybotApp

/// `polybot score`.
struct Score: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score the wallets of a trades file (Data API /trades rows as CSV with header, or JSONL).",
        discussion: """
            --markets gives resolutions: the CSV layout of nobel2025_resolutions.derived.csv, or Gamma market objects as JSONL.

            Duplicate rows (same transaction, wallet, asset, side, size, price) are dropped. A SELL beyond the shares the \
            file shows realises nothing for the excess and is counted in a warning on standard error.

            JSON output: one object per wallet with wallet, closedPositions, openPositions, winRate, decayedWinRate, \
            shrunkWinRate, winRateLowerBound, sharpe, kelly, ev, edge, realizedPnl, volume, markets, trades, class \
            (null below the minimum sample of 10 closed positions, as the definitions say), then edgeStandardError, \
            edgeZ, pValue, qValue, resolvedMarkets, markout1h, markout24h, markoutTrades, classBasis, resolvedEvents and \
            edgeOverCalibration (outcome − the population's base rate at that price bucket).

            The score is as of --now: only trades and dated resolutions before it (undated resolutions count). \
            edge = cost-weighted mean of (outcome − price paid) over resolved buys (sells are exits); its standard \
            error clusters by event (markets sharing an event slug are one draw); qValue = Benjamini–Hochberg across the \
            file's wallets with ≥ 5 resolved markets; informed = edge > 0 with qValue ≤ POLYBOT_CLASS_INFORMED_FDR at \
            POLYBOT_CLASS_INFORMED_LOOKS consecutive daily looks, each point in time (docs/decisions/0010-evidence.md).
            """)

    @Option(help: "Trades file.") var trades: String
    @Option(help: "Resolutions file (CSV or Gamma JSONL).") var markets: String?
    @Option(help: "Scoring time, Unix seconds (default: now).") var now: Int64?
    @Option(help: "json or table.") var format = "json"
    @Option(help: "Zone of local-time timestamps in the trades file.") var timezone = "UTC"

    func validate() throws {
        guard format == "json" || format == "table" else { throw ValidationError("--format must be json or table") }
        guard TimeZone(identifier: timezone) != nil else { throw ValidationError("unknown --timezone \(timezone)") }
    }

    func run() async throws {
        let output: ScoreCommand.Output
        do {
            output = try ScoreCommand.run(
                tradesPath: trades, marketsPath: markets, now: now ?? Int64(Date().timeIntervalSince1970),
                table: format == "table", timeZone: TimeZone(identifier: timezone)!)
        } catch {
            FileHandle.standardError.write(Data("polybot score: \(error)\n".utf8))
            throw ExitCode(2)
        }
        for line in output.lines { print(line) }
        var notes: [String] = []
        if output.duplicates > 0 { notes.append("\(output.duplicates) duplicate rows dropped") }
        if !output.badRows.isEmpty {
            notes.append(
                "\(output.badRows.count) unusable rows (first: line \(output.badRows[0].0): \(output.badRows[0].1))")
        }
        if output.oversoldTrades > 0 {
            notes.append("warning: \(output.oversoldTrades) SELL trades exceed the shares held in the file")
        }
        if !notes.isEmpty {
            FileHandle.standardError.write(Data(("polybot score: " + notes.joined(separator: "; ") + "\n").utf8))
        }
    }
}
