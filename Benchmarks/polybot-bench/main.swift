import Foundation

/// One printed figure.
/// Durations in milliseconds, sorted.
func milliseconds(_ samples: [Duration]) -> [Double] {
    samples.map { Double($0.components.seconds) * 1_000 + Double($0.components.attoseconds) / 1e15 }.sorted()
}

/// The `q` quantile of sorted figures (nearest rank; NaN when there are none).
func percentile(_ sorted: [Double], _ q: Double) -> Double {
    sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
}

struct BenchResult {
    var name: String
    var value: Double
    var unit: String
    /// The target from the issue, if any (a floor, or a ceiling when `lowerIsBetter`).
    var target: Double?
    var note: String
    /// Latencies: lower is better, the target is a ceiling.
    var lowerIsBetter = false
    /// The peer this figure is compared with, and its figure in the same unit, where one exists.
    var peer: (name: String, value: Double)? = nil

    /// How many times better than the peer (×), in the direction of the unit.
    var ratio: Double? {
        guard let peer, peer.value > 0, value > 0 else { return nil }
        return lowerIsBetter ? peer.value / value : value / peer.value
    }

    var line: String {
        let figure = value < 100 ? String(format: "%.2f", value) : String(format: "%.0f", value)
        let verdict: String
        if let target {
            verdict =
                lowerIsBetter
                ? (value <= target ? "meets target ≤ \(Int(target))" : "ABOVE target ≤ \(Int(target))")
                : (value >= target ? "meets target ≥ \(Int(target))" : "BELOW target ≥ \(Int(target))")
        } else {
            verdict = "no target"
        }
        let versus = peer.map { p in " [×\(String(format: "%.1f", ratio ?? 0)) vs \(p.name)]" } ?? ""
        return "\(name): \(figure) \(unit) (\(verdict))\(versus) — \(note)"
    }
}

// polybot-bench [all|sign|rtds-decode|chain-decode|chain-backfill|chain-latency|trades-insert|rescore|replay|backtest|latency|api-load] [--orders N] [--frames N] [--count N] [--batch N] [--signals N]
let args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, default value: Int, in args: [String]) -> Int {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) else { return value }
    return v
}
let benchmarks = [
    "all", "sign", "rtds-decode", "chain-decode", "chain-backfill", "chain-latency", "trades-insert", "rescore",
    "replay", "backtest", "latency",
    "api-load", "scale",
]
let valued = [
    "--orders", "--frames", "--count", "--batch", "--signals", "--wallets", "--seconds", "--write", "--min-notional",
]
let usage = """
    usage: polybot-bench [\(benchmarks.joined(separator: "|"))] [--orders N] [--frames N] [--count N] [--batch N]
                         [--signals N] [--wallets N] [--seconds N] [--min-notional USDC] [--write FILE]
    Runs the benchmarks and prints one figure per line (against its target, and a peer where one exists); --write also
    writes the table of docs/benchmarks.md. `make bench` runs `all` on a release build. `scale` (part of `all`) stores a
    generated history of --count trades (default 20,000,000, over 20 days) and one more day, and times the nights and
    the API on it.
    """
if args.contains(where: { ["--help", "-h", "help"].contains($0) }) {
    print(usage)
    exit(0)
}
// Refuse what is not understood instead of running every benchmark.
var position = 0
var named: [String] = []
while position < args.count {
    let a = args[position]
    if valued.contains(a) {
        guard position + 1 < args.count else {
            FileHandle.standardError.write(Data("polybot-bench: \(a) needs a value\n\(usage)\n".utf8))
            exit(2)
        }
        position += 2
    } else if a.hasPrefix("-") || !benchmarks.contains(a) {
        FileHandle.standardError.write(Data("polybot-bench: unknown argument \(a)\n\(usage)\n".utf8))
        exit(2)
    } else {
        named.append(a)
        position += 1
    }
}
let which = named.first ?? "all"
let count = option("--count", default: 1_000_000, in: args)
let batch = option("--batch", default: 50_000, in: args)
/// The backtest's whale threshold in USDC (nil: the default).
let minNotional = args.firstIndex(of: "--min-notional").map { args[$0 + 1] }
if let m = minNotional, Double(m).map({ $0 < 0 || !$0.isFinite }) ?? true {
    FileHandle.standardError.write(Data("polybot-bench: --min-notional needs an amount of USDC, not \(m)\n".utf8))
    exit(2)
}

// A benchmark stopped early — Ctrl-C, SIGTERM, or an error — still stops the PostgreSQL it started: `exit` runs the test
// cluster's exit handler (which stops it and removes its folder), where a signal's default action or an uncaught error
// would skip it and leave the cluster running.
var stopSignals: [any DispatchSourceSignal] = []
for sig in [SIGINT, SIGTERM] {
    signal(sig, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
    source.setEventHandler {
        FileHandle.standardError.write(Data("polybot-bench: stopped by signal \(sig); stopping its PostgreSQL\n".utf8))
        exit(128 + sig)
    }
    source.resume()
    stopSignals.append(source)
}

var results: [BenchResult] = []
do {
    if which == "all" || which == "sign" {
        results.append(try ProtocolBenchmarks.signing(count: option("--orders", default: 50_000, in: args)))
    }
    if which == "all" || which == "rtds-decode" {
        results.append(try ProtocolBenchmarks.rtdsDecode(count: option("--frames", default: 200_000, in: args)))
    }
    if which == "all" || which == "chain-decode" {
        results.append(try ProtocolBenchmarks.chainDecode(count: option("--frames", default: 200_000, in: args)))
    }
    if which == "all" || which == "chain-backfill" {
        results += try await ChainBenchmarks.backfill(count: option("--count", default: 1_000_000, in: args))
    }
    if which == "all" || which == "chain-latency" {
        results += try await ChainBenchmarks.blockToStored(samples: option("--signals", default: 300, in: args))
    }
    if which == "all" || which == "rescore" {
        results +=
            (try await RescoringBenchmark.run(
                trades: option("--count", default: 1_000_000, in: args),
                wallets: option("--wallets", default: 50_000, in: args)))
    }
    if which == "all" || which == "api-load" {
        results += try await APILoadBenchmark.run(
            wallets: option("--wallets", default: 10_000, in: args), seconds: option("--seconds", default: 10, in: args)
        )
    }
    if which == "all" || which == "latency" {
        results += try await LatencyBenchmark.run(signals: option("--signals", default: 300, in: args))
    }
    if which == "all" || which == "replay" {
        results += try await ReplayBenchmark.run(
            trades: option("--count", default: 1_000_000, in: args),
            wallets: option("--wallets", default: 50_000, in: args)
        )
    }
    if which == "all" || which == "backtest" {
        results += try await BacktestBenchmark.run(minNotional: minNotional)
        // `all` also runs issue 32's threshold: more whale trades, each through the store.
        if which == "all" && minNotional == nil { results += try await BacktestBenchmark.run(minNotional: "500") }
    }
    if which == "all" || which == "scale" {
        results += try await ScaleBenchmark.run(
            count: option("--count", default: 20_000_000, in: args),
            wallets: option("--wallets", default: 100_000, in: args),
            seconds: option("--seconds", default: 10, in: args))
    }
    if which == "all" || which == "trades-insert" {
        results += try await TradeInsertBenchmark.run(count: count, batchSize: batch)
    }
} catch {
    FileHandle.standardError.write(Data("polybot-bench: \(which) failed: \(error); stopping its PostgreSQL\n".utf8))
    exit(1)
}
let cpuModel =
    ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
    .split(separator: "\n").first { $0.hasPrefix("model name") }
    .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
    ?? "unknown CPU"
let machine =
    "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpuModel)), \(ProcessInfo.processInfo.physicalMemory >> 30) GiB, "
    + (ProcessInfo.processInfo.operatingSystemVersionString)
print("machine: \(machine)")
for r in results { print(r.line) }

// --write FILE: the table for docs/benchmarks.md (figure, target, verdict, peer/notes) with the machine it ran on.
if let i = args.firstIndex(of: "--write"), i + 1 < args.count {
    var md = [
        "# Benchmarks", "",
        "Written by `make bench` (`polybot-bench all --write docs/benchmarks.md`, release build) on \(machine), "
            + "\(ISO8601DateFormatter().string(from: Date())). Figures on a shared 2-core VM move ±30 % run to run.",
        "",
        "| figure | measured | target | verdict | peer | ratio | conditions |", "|---|---|---|---|---|---|---|",
    ]
    for r in results {
        let figure = r.value < 100 ? String(format: "%.2f", r.value) : String(format: "%.0f", r.value)
        let target = r.target.map { (r.lowerIsBetter ? "≤ " : "≥ ") + String(format: "%.0f", $0) + " " + r.unit } ?? "—"
        let verdict: String
        if let t = r.target {
            verdict = (r.lowerIsBetter ? r.value <= t : r.value >= t) ? "met" : "**not met**"
        } else {
            verdict = "—"
        }
        let peer =
            r.peer.map { p in
                "\(p.name): " + (p.value < 100 ? String(format: "%.2f", p.value) : String(format: "%.0f", p.value))
                    + " \(r.unit)"
            } ?? "—"
        let ratio = r.ratio.map { "×" + String(format: "%.1f", $0) } ?? "—"
        md.append(
            "| \(r.name) | \(figure) \(r.unit) | \(target) | \(verdict) | \(peer) | \(ratio) | \(r.note.replacingOccurrences(of: "|", with: "/")) |"
        )
    }
    try (md.joined(separator: "\n") + "\n").write(toFile: args[i + 1], atomically: true, encoding: .utf8)
    print("wrote \(args[i + 1])")
}
