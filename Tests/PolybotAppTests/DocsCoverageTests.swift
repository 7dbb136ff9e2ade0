import Foundation
import PolybotApp
import PolybotTestSupport
import Testing

/// Every command and every setting is documented in docs/ (the README leads; the reference lives there): the
/// subcommands are read from the built binary's own help, the settings from the configuration.
@Suite("docs/ covers every command and setting", .tags(.spawnsProcesses))
struct DocsCoverageTests {
    static func doc(_ name: String) throws -> String {
        try String(
            contentsOf: SharedData.repositoryRoot.appendingPathComponent("docs/" + name), encoding: .utf8)
    }

    /// The SUBCOMMANDS of `polybot ARGS --help`.
    static func subcommands(_ arguments: [String]) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
        p.arguments = arguments + ["--help"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard let start = text.range(of: "SUBCOMMANDS:") else { return [] }
        return text[start.upperBound...].split(separator: "\n").compactMap { line in
            // A subcommand line is indented by two spaces; its wrapped description by more.
            // ("  See 'polybot help …'" closes the list.)
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                name.allSatisfy({ $0.isLowercase || $0 == "-" })
            else { return nil }
            return String(name)
        }
    }

    @Test(.enabled(if: DaemonProcess.runs, DaemonProcess.missing))
    func everyCommandHasItsSectionInTheCLIReference() throws {
        let cli = try Self.doc("cli.md")
        let top = try Self.subcommands([])
        #expect(top.count >= 14, "subcommands read: \(top)")
        for command in top {
            #expect(cli.contains("## polybot \(command)\n"), "docs/cli.md has no section for polybot \(command)")
            for sub in try Self.subcommands([command]) {
                #expect(
                    cli.contains("### polybot \(command) \(sub)\n"),
                    "docs/cli.md has no section for polybot \(command) \(sub)")
            }
        }
    }

    @Test func everySettingIsInTheSettingsReference() throws {
        let settings = try Self.doc("settings.md")
        let keys = try AppConfiguration(source: ConfigurationSource(environment: [:]))
            .describedSettings(source: ConfigurationSource(environment: [:])).map(\.key)
        #expect(keys.count >= 90)
        for key in keys { #expect(settings.contains("`\(key)`"), "docs/settings.md does not document \(key)") }
    }
}
