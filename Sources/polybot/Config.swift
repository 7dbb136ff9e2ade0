import ArgumentParser
import Foundation
import Logging
import PolybotApp

/// `polybot config …`.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the configuration.", subcommands: [Show.self, Reset.self])

    /// `polybot config reset KEY…`.
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Remove settings stored from the dashboard, so the environment's (or the default) value applies again.",
            discussion: """
                `serve` refuses to start when a stored setting no longer validates (for example after a range was tightened); \
                this removes it without the dashboard. Audited as `settings.reset` by `cli`.
                """)

        @OptionGroup var common: CommonOptions
        @Argument(help: "The settings to remove, e.g. POLYBOT_FIXED_ORDER_USDC.") var keys: [String]

        func run() async throws {
            let (config, _) = try common.load()
            var logger = Logger(label: "polybot")
            logger.logLevel = .error
            let removed = try await PolybotApp.resetStoredSettings(keys, config: config, logger: logger)
            for key in keys { print("\(key): \(removed.contains(key) ? "removed" : "was not stored")") }
        }
    }

    /// `polybot config show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective settings (secrets redacted) and where each came from.",
            discussion: """
                Origins: env, file:…, flag, default, or dashboard (changed from the settings centre and stored in the database, \
                which overrides the environment and the file). Reading the database starts the embedded cluster when there is \
                no DATABASE_URL; --no-database skips it.
                """)

        @OptionGroup var common: CommonOptions
        @Flag(name: .customLong("no-database"), help: "Do not read the settings stored by the dashboard.")
        var noDatabase = false

        func run() async throws {
            let (loaded, _) = try common.load()
            var config = loaded
            if !noDatabase {
                var logger = Logger(label: "polybot")
                logger.logLevel = .error
                let (effective, note) = await PolybotApp.effectiveConfiguration(loaded, logger: logger)
                config = effective
                if let note { FileHandle.standardError.write(Data("polybot config show: \(note)\n".utf8)) }
            }
            let rows = config.describedSettings(source: config.source)
            let width = rows.map(\.key.count).max() ?? 0
            for row in rows {
                print(
                    row.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + row.value + "  ("
                        + row.origin + ")")
            }
        }
    }
}
