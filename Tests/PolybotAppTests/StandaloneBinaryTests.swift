import Foundation
import PolybotStore
import PolybotTestSupport
import Testing

/// The `polybot` binary copied alone into an empty folder and run from another empty folder with no settings at all:
/// the offline verbs start their own embedded PostgreSQL, apply the migrations built into the binary, and remove the
/// cluster when done. This is what a user who installs only the binary gets.
@Suite(
    "polybot binary alone, from an empty folder", .tags(.spawnsProcesses),
    .enabled(if: DaemonProcess.runs && SharedData.runs, DaemonProcess.missing))
struct StandaloneBinaryTests {
    /// Runs `binary arguments` in `folder` with only PATH and HOME set; its exit status and output.
    static func run(_ binary: String, _ arguments: [String], in folder: String) async throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: folder)
        p.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": folder]
        let log = URL(fileURLWithPath: folder + "/../out-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        while p.isRunning { await sleepIgnoringCancellation(.milliseconds(20)) }  // polls the child's exit
        return (p.terminationStatus, String(decoding: try Data(contentsOf: log), as: UTF8.self))
    }

    @Test func backtestAndReplayRunWithNoRepositoryAndNoSettings() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-alone-\(UUID().uuidString)")
        let bin = root.appendingPathComponent("bin").path
        let work = root.appendingPathComponent("work").path
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let binary = bin + "/polybot"
        try FileManager.default.copyItem(atPath: DaemonProcess.binary, toPath: binary)
        let trades = SharedData.path("nobel2025_trades.data-api.csv")
        let markets = SharedData.path("nobel2025_resolutions.derived.csv")

        let (backtest, backtestOut) = try await Self.run(
            binary, ["backtest", trades, "--markets", markets, "--format", "json"], in: work)
        #expect(backtest == 0, "\(backtestOut.suffix(2_000))")
        #expect(backtestOut.contains("applied migration") && backtestOut.contains("\"verdict\""))

        let (replay, replayOut) = try await Self.run(
            binary, ["replay", trades, "--markets", markets, "--min-notional", "1000", "--format", "json"], in: work)
        #expect(replay == 0, "\(replayOut.suffix(2_000))")
        #expect(replayOut.contains("\"signals\""))

        // Each run said where its cluster lived and removed it; nothing was written into the working folder.
        for out in [backtestOut, replayOut] {
            let dirs = out.split(separator: " ").filter { $0.hasPrefix("pg.data_dir=") }
                .map { String($0.dropFirst("pg.data_dir=".count)) }
            #expect(!dirs.isEmpty, "the cluster's folder is logged")
            for d in Set(dirs) { #expect(!FileManager.default.fileExists(atPath: d), "\(d) left behind") }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty)
    }

    /// Ctrl-C during a replay (paced at the recorded speed, so it is still running): the command stops where it is,
    /// but the cluster it started is stopped and its throwaway folder removed, and it exits 130.
    @Test func anInterruptedReplayLeavesNoCluster() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-int-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let log = work.appendingPathComponent("replay.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
        p.arguments = ["replay", SharedData.path("nobel2025_trades.data-api.csv"), "--speed", "1"]
        p.currentDirectoryURL = work
        p.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": work.path]
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        @Sendable func output() -> String { String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self) }
        // The replay is under way once its pipeline has been reconciled (its cluster runs, its clock ticks).
        #expect(
            await eventually(timeout: .processWait) { output().contains("reconciliation done") }, "\(output())")
        kill(p.processIdentifier, SIGINT)
        while p.isRunning { await sleepIgnoringCancellation(.milliseconds(20)) }  // polls the child's exit
        #expect(p.terminationStatus == 130, "\(output().suffix(1_500))")
        let dirs = Set(
            output().split(separator: " ").filter { $0.hasPrefix("pg.data_dir=") }
                .map { String($0.dropFirst("pg.data_dir=".count)) })
        #expect(!dirs.isEmpty)
        for d in dirs {
            #expect(!FileManager.default.fileExists(atPath: d), "\(d) left behind")
            #expect(EmbeddedPostgres.runningPort(dataDirectory: d) == nil)
        }
        #expect(output().contains("polybot: stopped the embedded PostgreSQL in"))
    }
}
