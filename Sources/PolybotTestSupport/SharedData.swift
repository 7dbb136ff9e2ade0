import Foundation

/// The project's shared datasets at `../shared/data` (next to the repository). Tests that need them are
/// disabled with a clear message when the folder is absent outside CI, and fail under CI; nothing from it is ever copied into the repo.
package enum SharedData {
    /// The repository root, found from this file's path.
    package static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/data`, or `$POLYBOT_SHARED_DATA` when set.
    package static let folder: URL = {
        if let override = ProcessInfo.processInfo.environment["POLYBOT_SHARED_DATA"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    /// True when the shared data folder exists.
    package static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("README.md").path)
    }

    /// Whether suites over the shared data run: when it is there, and always under `CI` (CI has `../shared`, so a
    /// missing folder there fails those suites instead of skipping them).
    package static var runs: Bool { isAvailable || ProcessInfo.processInfo.environment["CI"] != nil }

    /// The reason shown when a test is skipped.
    package static let skipReason =
        "../shared/data is absent (set POLYBOT_SHARED_DATA to point at it); skipping tests over real Polymarket data"

    /// The path of a file in the shared data folder.
    package static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The contents of a file in the shared data folder.
    package static func data(_ name: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(name))
    }
}
