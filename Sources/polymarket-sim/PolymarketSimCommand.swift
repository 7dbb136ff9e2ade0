import ArgumentParser
import Foundation
import PolybotCore
import PolymarketSim

/// `polymarket-sim`: the local Polymarket stand-in.
@main
struct PolymarketSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polymarket-sim",
        abstract: "A local Polymarket for tests, benchmarks and rehearsals.",
        discussion: "Today it generates synthetic trade histories; the exchange server arrives with the simulator issue.",
        subcommands: [Generate.self])
}

/// `polymarket-sim generate`.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic, deterministic trade history (Data API CSV) and its market resolutions.",
        discussion: """
            Wallet personas: informed (buy the eventual winner 80 % of the time), market makers (two-sided, many
            markets), bots (high rate on a fixed clock) and noise traders; ticket sizes calibrated on ../shared/data.
            The same --seed always gives the same file.
            """)

    @Option(help: "Number of trades.") var trades = 100_000
    @Option(help: "Number of wallets (every wallet trades at least once when trades ≥ wallets).") var wallets = 5_000
    @Option(help: "Number of markets (default: one per 500 trades, at least 20).") var markets: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "Output trades CSV ('-' for standard output).") var out = "-"
    @Option(help: "Also write market resolutions to this CSV.") var resolutions: String?
    @Option(help: "Also write each wallet's planted persona to this CSV (wallet,persona).") var personas: String?

    func validate() throws {
        guard trades >= 0 else { throw ValidationError("--trades must be ≥ 0") }
        guard wallets >= 1 else { throw ValidationError("--wallets must be ≥ 1") }
        if let markets, markets < 1 { throw ValidationError("--markets must be ≥ 1") }
    }

    func run() throws {
        let generator = TradeHistoryGenerator(
            options: .init(trades: trades, wallets: wallets, markets: markets, seed: seed))
        let sink = try LineSink(path: out)
        sink.write(TradeFileWriter.csvHeader)
        generator.generate { sink.write(TradeFileWriter.csvRow($0)) }
        sink.close()
        if let resolutions {
            let r = try LineSink(path: resolutions)
            r.write(TradeFileWriter.resolutionsHeader)
            for m in generator.markets { r.write(TradeFileWriter.resolutionRow(m, resolvedAt: "generated")) }
            r.close()
        }
        if let personas {
            let p = try LineSink(path: personas)
            p.write("wallet,persona")
            for w in generator.wallets { p.write("\(w.address.hex),\(w.persona.rawValue)") }
            p.close()
        }
    }
}

/// Buffered line output to a file or standard output.
final class LineSink {
    private let handle: FileHandle
    private let ownsHandle: Bool
    private var buffer = Data()

    init(path: String) throws {
        ownsHandle = path != "-"
        if path == "-" {
            handle = .standardOutput
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create \(path)")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        flush()
        if ownsHandle { try? handle.close() }
    }
}
