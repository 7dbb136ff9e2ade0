import ArgumentParser
import Foundation
import PolybotApp

/// `polybot config …`.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the configuration.", subcommands: [Show.self])

    /// `polybot config show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective settings (secrets redacted) and where each came from.")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let (config, source) = try common.load()
            let rows = config.describedSettings(source: source)
            let width = rows.map(\.key.count).max() ?? 0
            for row in rows {
                print(row.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + row.value + "  (" + row.origin + ")")
            }
        }
    }
}
