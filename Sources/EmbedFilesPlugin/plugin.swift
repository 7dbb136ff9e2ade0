import Foundation
import PackagePlugin

/// Builds files the binary must carry into the target it is applied to, as generated Swift source, so that every
/// `polybot` verb works wherever the binary runs and the container copies no folder:
/// - `PolybotStore`: `migrations/*.sql` (``EmbeddedMigrations``), read at every build so a new migration is picked up
///   without touching the package;
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
            files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
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
                displayName: "Embedding \(files.count) file(s) as \(name)",
                executable: try context.tool(named: "embed-files").url,
                arguments: [output.path, name] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
