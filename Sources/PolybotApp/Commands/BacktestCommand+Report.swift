import Foundation
import PolybotCore

/// The backtest report as JSON, text and one self-contained HTML page.
extension BacktestCommand {
    /// The report as JSON (sorted keys).
    package static func json(_ r: Report) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        do { return String(decoding: try e.encode(r), as: UTF8.self) } catch {
            return "{\"error\":\"report not encodable: \(error)\"}"
        }
    }

    static func date(_ t: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
    }

    static func interval(_ s: Int64) -> String {
        s % 86_400 == 0
            ? "\(s / 86_400) d" : s % 3_600 == 0 ? "\(s / 3_600) h" : s % 60 == 0 ? "\(s / 60) min" : "\(s) s"
    }

    static func percent(_ v: Double?) -> String { v.map { String(format: "%+.2f %%", $0 * 100) } ?? "-" }

    static func summaryRow(_ s: RunSummary) -> [String] {
        [
            s.name, "\(s.basketSize)", "\(s.signals)", "\(s.filledEntries)", s.cost, s.fees, s.pnl,
            percent(s.returnOnCost),
            s.returnLow.map { "\(percent($0)) … \(percent(s.returnHigh))" } ?? "-", "\(s.events)",
            String(format: "%.4f", s.pValue), s.edgeSignificant ? "yes" : "no", "\(s.openAtEnd)",
        ]
    }

    static let summaryHeader = [
        "run", "basket", "signals", "filled", "cost", "fees", "PnL", "return", "95 % CI (events)", "events", "p",
        "edge", "open",
    ]

    /// The three tests of the verdict, one line each.
    static func testLines(_ r: Report) -> [String] {
        let t = r.tests
        return [
            String(
                format:
                    "1. after fees, events clustered: p = %.4f over %d events, %d markets (needs p ≤ %.2f and ≥ %d events): %@",
                t.eventTest.pValue, t.eventTest.events, t.eventTest.markets, EventTest.alpha, EventTest.minimumEvents,
                t.eventTest.significant ? "pass" : "fail"),
            String(
                format:
                    "2. against every whale trade on the same markets, paired by event: edge per share %+.4f higher, p = %.4f over %d events: %@",
                t.paired.meanDifference, t.paired.pValue, t.paired.events, t.paired.significant ? "pass" : "fail"),
            String(
                format:
                    "3. rank among %d random baskets (same schedule): return %@ vs median %@, 95th percentile %@, p = %.4f: %@",
                t.rank.baskets, percent(t.rank.mainReturn), percent(t.rank.median), percent(t.rank.p95), t.rank.pValue,
                t.rank.significant ? "pass" : "fail"),
        ]
    }

    static let sensitivityHeader = ["extra per share", "return", "p (events)", "p (paired)", "p (rank)", "edge"]

    static func sensitivityRows(_ r: Report) -> [[String]] {
        r.sensitivity.map { s in
            [
                "+\(s.extraCents) ¢", percent(s.returnOnCost), String(format: "%.4f", s.eventPValue),
                String(format: "%.4f", s.pairedPValue), String(format: "%.4f", s.rankPValue),
                s.edgeSignificant ? "yes" : "no",
            ]
        }
    }

    static let copyabilityHeader = ["wallet", "entries", "their edge", "delay", "fee", "kept", "kept 95 % CI", ""]

    static func copyabilityRows(_ r: Report) -> [[String]] {
        r.copyability.map { c in
            [
                c.wallet, "\(c.entries)", String(format: "%+.4f", c.theirEdge), String(format: "%.4f", c.delayCost),
                String(format: "%.4f", c.fee), String(format: "%+.4f", c.keptEdge),
                c.tooFewToJudge
                    ? "too few to judge"
                    : c.keptLow.map { String(format: "%+.4f … %+.4f", $0, c.keptHigh ?? $0) } ?? "-",
                c.uncopyable ? "uncopyable" : "",
            ]
        }
    }

    static let signalHeader = [
        "signal", "time", "market", "outcome", "whales", "snapshots", "whale px", "limit", "our px", "filled", "shares",
        "fee", "delay", "unfilled", "result",
    ]

    static func signalRows(_ r: Report, marketWidth: Int = 12) -> [[String]] {
        r.signals.map { s in
            [
                "\(s.signalId)", date(s.time), String(s.market.prefix(marketWidth)), s.outcome, "\(s.agreeing)",
                s.snapshotIds.map(String.init).joined(separator: ","), s.whalePrice, s.limit ?? "-", s.ourPrice ?? "-",
                s.shareFilled.map { String(format: "%.0f %%", $0 * 100) } ?? "-", s.shares ?? "-", s.fee ?? "-",
                s.copyDelayCost ?? "-", s.unfilled ?? "", s.result,
            ]
        }
    }

    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in c + String(repeating: " ", count: max(0, widths[i] - c.count)) }.joined(
                separator: "  ")
        }
        return [line(header)] + rows.map(line)
    }

    /// The report as text: settings, rescorings, signals, copyability, runs and the verdict last.
    package static func text(_ r: Report) -> [String] {
        var out = [
            "backtest of \(r.trades) trades \(date(r.from)) … \(date(r.to)), walk-forward \(r.basketRule) rescored every \(interval(r.rescoreEverySeconds)), min members \(r.minMembers), sizing \(r.sizing)",
            "fills from the tape after \(r.copyDelaySeconds) s of market time (≤ \(String(format: "%.0f", r.participation * 100)) % of each later print within the limit), fees \(r.feePlan), informed = edge surviving BH at q = \(r.falseDiscoveryRate)",
        ]
        if r.undatedResolutions > 0 {
            out.append("\(r.undatedResolutions) resolutions have no time: never used for scoring before the end")
        }
        let withBasket = r.rescorings.filter { !$0.basket.isEmpty }
        out.append(
            "rescorings: \(r.rescorings.count); with a basket: \(withBasket.count); most informed at once: \(r.rescorings.map(\.informed).max() ?? 0)"
        )
        for s in withBasket.prefix(5) {
            out.append(
                "  \(date(s.time)): \(s.basket.count) member(s) of \(s.informed) informed / \(s.walletsTested) tested")
        }
        out.append("")
        out += table(signalHeader, signalRows(r))
        out.append("")
        if !r.copyability.isEmpty {
            out.append("copyability (per share, cost-weighted over resolved copies of the verdict's path):")
            out += table(copyabilityHeader, copyabilityRows(r))
            out.append("")
        }
        out.append(
            "pipeline (as the daemon booked it, risk checks and exits included): \(r.pipeline.signals) signals, \(r.pipeline.filledEntries) filled, paid \(r.pipeline.cost), fees \(r.pipeline.fees), PnL \(r.pipeline.pnl), \(r.pipeline.openAtEnd) open at the end"
        )
        out.append(
            "equity: \(r.equity.last?.equity ?? "unchanged") after \(r.equity.count) position(s); max drawdown \(String(format: "%.2f", r.maxDrawdown.amount)) USDC (\(percent(r.maxDrawdown.fraction)))"
        )
        out.append("copy-delay cost total: \(r.copyDelayCostTotal) USDC")
        out.append("")
        out.append("")
        out.append(
            "the verdict's path (fills from the tape, \(String(format: "%.0f", r.participation * 100)) % of each later print, held to resolution):"
        )
        out += table(summaryHeader, ([r.main] + r.baselines).map(summaryRow))
        out.append("")
        out.append("tests (each one-sided at \(EventTest.alpha); edge = all three):")
        out += testLines(r).map { "  " + $0 }
        out.append("")
        out.append("sensitivity (every basket pays more per share):")
        out += table(sensitivityHeader, sensitivityRows(r))
        out.append("")
        out.append("verdict: \(r.verdict)")
        return out
    }

    /// An SVG line of the equity curve.
    static func equitySVG(_ r: Report, width: Double = 720, height: Double = 220) -> String {
        let values = r.equity.compactMap { Double($0.equity) }
        guard values.count >= 2, let lo = values.min(), let hi = values.max() else {
            return "<p>No copied position closed: no equity curve.</p>"
        }
        let span = max(hi - lo, 1e-9)
        let points = values.enumerated().map { i, v in
            String(
                format: "%.1f,%.1f", 40 + (width - 50) * Double(i) / Double(values.count - 1),
                10 + (height - 30) * (1 - (v - lo) / span))
        }.joined(separator: " ")
        return """
            <svg viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))" role="img" aria-label="equity curve">
            <rect x="40" y="10" width="\(Int(width - 50))" height="\(Int(height - 30))" fill="none" stroke="#ccc"/>
            <text x="2" y="16" font-size="11">\(String(format: "%.0f", hi))</text>
            <text x="2" y="\(Int(height - 20))" font-size="11">\(String(format: "%.0f", lo))</text>
            <polyline points="\(points)" fill="none" stroke="#1f6feb" stroke-width="2"/>
            </svg>
            """
    }

    /// Bars of each run's return on cost with its interval.
    static func runsSVG(_ r: Report, width: Double = 720) -> String {
        let runs = [r.main] + r.baselines
        var all: [Double] = [0]
        for s in runs {
            let values: [Double?] = [s.returnOnCost, s.returnLow, s.returnHigh]
            all += values.compactMap { $0 }
        }
        let lo = all.min() ?? -0.1
        let hi = all.max() ?? 0.1
        let span = max(hi - lo, 1e-9)
        func x(_ v: Double) -> Double { 300 + (width - 320) * (v - lo) / span }
        var out = "<svg viewBox=\"0 0 \(Int(width)) \(runs.count * 30 + 20)\" width=\"\(Int(width))\" role=\"img\">"
        out += "<line x1=\"\(x(0))\" y1=\"0\" x2=\"\(x(0))\" y2=\"\(runs.count * 30 + 20)\" stroke=\"#999\"/>"
        for (i, s) in runs.enumerated() {
            let y = 15 + i * 30
            out += "<text x=\"0\" y=\"\(y + 4)\" font-size=\"11\">\(escape(String(s.name.prefix(44))))</text>"
            if let low = s.returnLow, let high = s.returnHigh {
                out +=
                    "<line x1=\"\(x(low))\" y1=\"\(y)\" x2=\"\(x(high))\" y2=\"\(y)\" stroke=\"#444\" stroke-width=\"2\"/>"
            }
            if let v = s.returnOnCost {
                out +=
                    "<circle cx=\"\(x(v))\" cy=\"\(y)\" r=\"5\" fill=\"\(s.edgeSignificant ? "#2da44e" : "#cf222e")\"/>"
            }
        }
        return out + "</svg>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func htmlTable(_ header: [String], _ rows: [[String]]) -> String {
        "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
            + rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined() + "</table>"
    }

    /// One self-contained page (inline CSS and SVG, no scripts, nothing fetched).
    package static func html(_ r: Report) -> String {
        let lines = text(r)
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Polybot backtest</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}
            td,th{border:1px solid #ddd;padding:3px 6px;font-size:12px;text-align:left}.verdict{font-size:18px;font-weight:600;
            padding:.6em;border-radius:6px;background:\(r.edgeSignificant ? "#dafbe1" : "#ffebe9")}</style></head><body>
            <h1>Polybot backtest</h1>
            <p class="verdict">\(escape(r.verdict))</p>
            <p>\(escape(lines[0]))<br>\(escape(lines[1]))</p>
            <h2>The verdict's tests (each one-sided at \(EventTest.alpha); edge = all three)</h2>
            <ol>\(testLines(r).map { "<li>\(escape(String($0.dropFirst(3))))</li>" }.joined())</ol>
            <h2>Return on cost after fees, 95 % interval over independent events</h2>\(runsSVG(r))
            \(htmlTable(summaryHeader, ([r.main] + r.baselines).map(summaryRow)))
            <h2>Sensitivity: every basket pays more per share</h2>
            \(htmlTable(sensitivityHeader, sensitivityRows(r)))
            <h2>Equity after each copied position (the pipeline)</h2>\(equitySVG(r))
            <p>Maximum drawdown \(String(format: "%.2f", r.maxDrawdown.amount)) USDC (\(percent(r.maxDrawdown.fraction))).</p>
            <h2>Copyability</h2>
            \(htmlTable(copyabilityHeader, copyabilityRows(r)))
            <h2>Signals (fills from the tape)</h2>
            \(htmlTable(signalHeader, signalRows(r, marketWidth: 66)))
            </body></html>
            """
    }
}
