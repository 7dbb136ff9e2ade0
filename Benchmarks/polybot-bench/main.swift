import Foundation

/// One printed figure.
struct BenchResult {
    var name: String
    var value: Double
    var unit: String
    /// The target from the issue, if any (higher is better for every figure here).
    var target: Double?
    var note: String
    /// Latencies: lower is better, the target is a ceiling.
    var lowerIsBetter = false

    var line: String {
        let figure = value < 100 ? String(format: "%.2f", value) : String(format: "%.0f", value)
        let verdict: String
        if let target {
            verdict = lowerIsBetter ? (value <= target ? "meets target ≤ \(Int(target))" : "ABOVE target ≤ \(Int(target))")
                : (value >= target ? "meets target ≥ \(Int(target))" : "BELOW target ≥ \(Int(target))")
        } else {
            verdict = "no target"
        }
        return "\(name): \(figure) \(unit) (\(verdict)) — \(note)"
    }
}

// polybot-bench [all|sign|rtds-decode|trades-insert|rescore|latency|api-load] [--orders N] [--frames N] [--count N] [--batch N] [--signals N]
let args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, default value: Int, in args: [String]) -> Int {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) else { return value }
    return v
}
let which = args.first { !$0.hasPrefix("--") && Int($0) == nil } ?? "all"
let count = option("--count", default: 1_000_000, in: args)
let batch = option("--batch", default: 50_000, in: args)

var results: [BenchResult] = []
if which == "all" || which == "sign" {
    results.append(try ProtocolBenchmarks.signing(count: option("--orders", default: 50_000, in: args)))
}
if which == "all" || which == "rtds-decode" {
    results.append(try ProtocolBenchmarks.rtdsDecode(count: option("--frames", default: 200_000, in: args)))
}
if which == "all" || which == "rescore" {
    results.append(try await RescoringBenchmark.run(trades: option("--count", default: 1_000_000, in: args),
                                                    wallets: option("--wallets", default: 50_000, in: args)))
}
if which == "all" || which == "api-load" {
    results += try await APILoadBenchmark.run(wallets: option("--wallets", default: 10_000, in: args), seconds: option("--seconds", default: 10, in: args))
}
if which == "all" || which == "latency" {
    results += try await LatencyBenchmark.run(signals: option("--signals", default: 300, in: args))
}
if which == "all" || which == "trades-insert" {
    results += try await TradeInsertBenchmark.run(count: count, batchSize: batch)
}
print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
for r in results { print(r.line) }
