import Foundation

/// Runs external commands (the PostgreSQL binaries) without the Foundation `Process` hang.
///
/// On Linux, swift-corelibs-foundation hands the child an extra descriptor it watches to learn of the
/// child's exit; a daemon the child leaves behind (the postmaster started by `pg_ctl`) inherits it, and
/// `waitUntilExit` never returns. Every command therefore runs through `bash`, which first closes every
/// descriptor above 2, and writes its output to a file instead of a pipe a grandchild could hold open.
package enum ShellCommand {
    /// The outcome of one command.
    package struct Result: Sendable {
        /// The exit status.
        package var status: Int32
        /// Standard output and standard error, interleaved.
        package var output: String
    }

    /// Runs `arguments` (the first is the program), optionally as the `postgres` user when we are root.
    ///
    /// - Parameters:
    ///   - arguments: program and arguments; never interpreted by a shell.
    ///   - asPostgresUser: drop to the `postgres` system user (required by `initdb` when running as root).
    /// - Returns: the exit status and the combined output.
    /// - Throws: when the command cannot be started at all.
    package static func run(_ arguments: [String], asPostgresUser: Bool = false) throws -> Result {
        let closeFds =
            #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; case "$fd" in 0|1|2|255) ;; *) eval "exec $fd>&-" 2>/dev/null ;; esac; done; exec "$@""#
        var argv = arguments
        if asPostgresUser && getuid() == 0 {
            argv = ["runuser", "-u", "postgres", "--"] + argv
        }
        let logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("polybot-cmd-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: logURL) }
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", closeFds, "bash"] + argv
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        process.waitUntilExit()
        try? log.close()
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: output)
    }
}
