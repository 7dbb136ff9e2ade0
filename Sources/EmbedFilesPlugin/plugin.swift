import Foundation
import PackagePlugin

/// Builds files the binary must carry into the target it is applied to, as generated Swift source, so that every
/// `polybot` verb works wherever the binary runs and the container copies no folder:
/// - `PolybotStore`: `migrations/*.sql` (``EmbeddedMigrations``). The folder is the command's input (its modification
///   time changes when a file is added or removed) and the tool lists it when it runs, so an incremental build picks
///   up a new migration even when SwiftPM reuses the plan this plugin made. Editing a file in place does not touch the
///   folder: shipped migrations are never edited (the runner refuses a changed checksum), and `make test` compares
///   the embedded files with the folder's (`theBinaryCarriesExactlyTheRepositoryMigrations`);
/// - `PolybotAPI`: its `openapi.json` (``EmbeddedOpenAPI``), the API's checked-in spec, served verbatim.
@main
struct EmbedFilesPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let name: String
        let files: [URL]
        switch target.name {
        case "PolybotStore":
            name = "EmbeddedMigrations"
            let folder = context.package.directoryURL.appending(path: "migrations")
            // The folder alone, listed by the tool when it runs. Not its files: SwiftPM may reuse this plugin's plan
            // after a file is removed, and a listed input that no longer exists fails the build.
            files = [folder]
        case "PolybotAPI":
            name = "EmbeddedOpenAPI"
            files = [context.package.directoryURL.appending(path: "Sources/PolybotAPI/openapi.json")]
        default:
            Diagnostics.error("EmbedFilesPlugin has nothing to embed into \(target.name)")
            return []
        }
        let output = context.pluginWorkDirectoryURL.appending(path: name + ".swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.map(\.lastPathComponent).joined(separator: ", ")) as \(name)",
                executable: try context.tool(named: "embed-files").url,
                arguments: [output.path, name] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
