import Foundation
import PolybotCore
import Polymarket

/// `polybot score`: scores every wallet of a trades file, one JSON object (or table row) per wallet.
public enum ScoreCommand {
    /// The result of a run.
    public struct Output: Sendable {
        public var lines: [String]
        /// Rows of the file that could not be used (line, reason).
        public var badRows: [(Int, String)]
        /// Duplicate rows dropped (same natural key).
        public var duplicates: Int
        /// SELL trades beyond the shares the file shows (bought before it starts).
        public var oversoldTrades: Int
    }

    /// Scores a file.
    ///
    /// - Parameters:
    ///   - tradesPath: Data API CSV (with header) or JSONL.
    ///   - marketsPath: resolutions CSV or Gamma JSONL.
    ///   - now: Unix seconds for the decayed win rate.
    ///   - table: human table instead of JSON lines.
    /// - Throws: file and format errors.
    public static func run(
        tradesPath: String, marketsPath: String?, now: Int64, table: Bool,
        parameters: ScoringParameters = ScoringParameters(), timeZone: TimeZone = TimeZone(identifier: "UTC")!
    )
        throws -> Output
    {
        let rows = try TradeFileReader(options: .init(localTimeZone: timeZone, source: .import)).read(path: tradesPath)
        var fills = RecordedFills()
        var trades: [Trade] = []
        var bad: [(Int, String)] = []
        var duplicates = 0
        for row in rows {
            switch row.result {
            case .success(let t):
                if let t = fills.admit(t) { trades.append(t) } else { duplicates += 1 }
            case .failure(let e): bad.append((row.line, "\(e)"))
            }
        }
        let resolutions = try marketsPath.map { try ResolutionFileReader.read(path: $0) } ?? [:]
        let results = WalletScoring.scoreAll(trades: trades, resolutions: resolutions, now: now, parameters: parameters)
        let lines = table ? tableLines(results.map(\.score)) : results.map { json($0.score) }
        return Output(
            lines: lines, badRows: bad, duplicates: duplicates,
            oversoldTrades: results.map(\.oversoldTrades).reduce(0, +))
    }

    /// One wallet as the architecture's JSON contract (keys in its order, null below the sample size), then the edge
    /// test (standard error, z, p- and BH q-value, resolved markets), markouts and the class decision's basis.
    public static func json(_ s: WalletScore) -> String {
        func num(_ d: Double?) -> String {
            guard let d, d.isFinite else { return "null" }
            return String(format: "%.6f", d).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
        }
        // Six significant digits: p- and q-values far below 10⁻⁶ must not print as 0.
        func sig(_ d: Double?) -> String {
            guard let d, d.isFinite else { return "null" }
            return String(format: "%.6g", d)
        }
        var basis = "null"
        if let b = s.classBasis {
            let e = JSONEncoder()
            e.outputFormatting = .sortedKeys
            var finite = b
            finite.features = b.features.filter { $0.value.isFinite }
            finite.thresholds = b.thresholds.filter { $0.value.isFinite }
            do { basis = String(decoding: try e.encode(finite), as: UTF8.self) } catch {
                basis = "{\"rule\":\"unencodable: \(error)\"}"
            }
        }
        return
            "{\"wallet\":\"\(s.wallet.hex)\",\"closedPositions\":\(s.closedPositions),\"openPositions\":\(s.openPositions),"
            + "\"winRate\":\(num(s.winRate)),\"decayedWinRate\":\(num(s.decayedWinRate)),\"shrunkWinRate\":\(num(s.shrunkWinRate)),"
            + "\"winRateLowerBound\":\(num(s.winRateLowerBound)),\"sharpe\":\(num(s.sharpe)),\"kelly\":\(num(s.kelly)),"
            + "\"ev\":\(num(s.ev)),\"edge\":\(num(s.edge)),\"realizedPnl\":\(s.realizedPnl),\"volume\":\(s.volume),"
            + "\"markets\":\(s.markets),\"trades\":\(s.trades),\"class\":\"\(s.walletClass.rawValue)\","
            + "\"edgeStandardError\":\(num(s.edgeStandardError)),\"edgeZ\":\(num(s.edgeZ)),\"pValue\":\(sig(s.pValue)),"
            + "\"qValue\":\(sig(s.qValue)),\"resolvedMarkets\":\(s.resolvedMarkets),\"markout1h\":\(num(s.markout1h)),"
            + "\"markout24h\":\(num(s.markout24h)),\"markoutTrades\":\(s.markoutTrades),\"classBasis\":\(basis),"
            + "\"resolvedEvents\":\(s.resolvedEvents.map(String.init) ?? "null"),"
            + "\"edgeOverCalibration\":\(num(s.edgeOverCalibration))}"
    }

    private static func tableLines(_ scores: [WalletScore]) -> [String] {
        func f(_ d: Double?) -> String { d.map { String(format: "%.3f", $0) } ?? "-" }
        let header =
            "wallet                                      closed open  winRate shrunk lower  sharpe kelly  edge   se     q       realizedPnl      volume class"
        return [header]
            + scores.sorted { $0.realizedPnl > $1.realizedPnl }.map { s in
                [
                    s.wallet.hex, String(s.closedPositions).pad(6), String(s.openPositions).pad(4), f(s.winRate).pad(8),
                    f(s.shrunkWinRate).pad(6),
                    f(s.winRateLowerBound).pad(6), f(s.sharpe).pad(7), f(s.kelly).pad(5), f(s.edge).pad(6),
                    f(s.edgeStandardError).pad(6), (s.qValue.map { String(format: "%.1e", $0) } ?? "-").pad(7),
                    s.realizedPnl.description.pad(13),
                    s.volume.description.pad(11), s.walletClass.rawValue,
                ].joined(separator: " ")
            }
    }
}

extension String {
    fileprivate func pad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
