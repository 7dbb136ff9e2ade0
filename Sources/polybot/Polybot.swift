import ArgumentParser
import CEarlySignals
import Foundation
import Logging
import Metrics
import PolybotApp
import Prometheus

/// `polybot`: argument parsing only; everything else lives in `PolybotApp`.
@main
struct Polybot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copies the trades of the best Polymarket wallets (paper by default).",
        discussion:
            "Settings come from the environment, an optional POLYBOT_CONFIG file and flags: every setting is listed in docs/settings.md, every command in docs/cli.md.",
        subcommands: [
            Serve.self, Migrate.self, Config.self, Order.self, Keys.self, Probe.self, Score.self, Rescore.self,
            Backfill.self,
            Replay.self, Backtest.self, Export.self, Whales.self, Baskets.self,
        ])

    /// Traps SIGTERM/SIGINT before anything else when the verb is `serve`, so a signal during start-up ends it cleanly
    /// (exit 0, the embedded cluster stopped) instead of killing it; every other verb stops where it is, after stopping
    /// the embedded clusters it started and removing its throwaway folders (``InterruptedExit``).
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "serve" {
            await ShutdownSignals.process.trap()
            // A signal that came before the handlers existed was recorded by the loader constructor (CEarlySignals).
            if polybot_early_signal() != 0 { ShutdownSignals.process.request() }
        } else {
            InterruptedExit.install()
        }
        await main(nil)
    }
}

/// Options every verb shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "A KEY=VALUE settings file (default: $POLYBOT_CONFIG).")
    var config: String?

    /// Loads and validates the configuration, applying verb-specific overrides.
    func load(_ overrides: [String: String?] = [:]) throws -> (AppConfiguration, ConfigurationSource) {
        var source = ConfigurationSource(environment: ProcessInfo.processInfo.environment, file: config)
        for (k, v) in overrides { source.override(k, v) }
        do {
            return (try AppConfiguration(source: source), source)
        } catch {
            FileHandle.standardError.write(Data("polybot: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Bootstraps logging and metrics once per process.
func bootstrap(_ config: AppConfiguration) -> (Logger, PrometheusCollectorRegistry) {
    LoggingSetup.bootstrap(json: config.logFormat == .json, level: Logger.Level(rawValue: config.logLevel) ?? .info)
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return (Logger(label: "polybot"), registry)
}

/// Prints a fatal error and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("polybot: \(error)\n".utf8))
    return ExitCode(1)
}
