import Foundation
import Testing

/// The `polybot` binary run as a child process (what an operator and the container runtime run), with its output
/// appended to a log file the test can read.
struct DaemonProcess {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/polybot").path
    /// Under CI a missing binary fails the test instead of skipping it (a safety test must not pass by absence).
    static let runs =
        FileManager.default.isExecutableFile(atPath: binary) || ProcessInfo.processInfo.environment["CI"] != nil
    static let missing = Comment(rawValue: "needs the polybot binary: swift build first")

    let process: Process
    let log: URL

    /// Starts `polybot` with `arguments` and `env`, output appended to `log`.
    static func start(_ arguments: [String] = ["serve"], env: [String: String], log: URL) throws -> DaemonProcess {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "no polybot binary at \(binary)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        var environment = env
        environment["PATH"] = environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        p.environment = environment
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return DaemonProcess(process: p, log: log)
    }

    /// The log so far (its last `limit` characters).
    func output(_ limit: Int = 3_000) -> String {
        String(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).suffix(limit))
    }

    /// How many log lines contain `text`.
    func lines(containing text: String) -> Int {
        String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).split(separator: "\n")
            .filter { $0.contains(text) }.count
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to end (at most `timeout`; then it is killed and nil returned).
    func exit(within timeout: Duration = .seconds(30)) async -> (reason: Process.TerminationReason, status: Int32)? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return (process.terminationReason, process.terminationStatus)
    }
}
