import Foundation
import Synchronization

/// Polymarket's official Python client (`py-clob-client-v2`, pinned) in a virtual environment the tests build under
/// `.build/official-client-venv` on first use. Tests that need it are disabled only when PyPI cannot be reached
/// outside CI, and say so; a venv that fails to build while PyPI answers fails the test instead.
package enum OfficialClient {
    /// The pinned release the simulator is checked against.
    package static let pinned = "py-clob-client-v2==1.2.1"

    /// What building the environment gave.
    package enum Setup: Sendable {
        case ready(python: String)
        case pypiUnreachable(String)
        case failed(String)
    }

    /// Built once per test process.
    package static let setup: Setup = build()

    /// False only when PyPI is unreachable outside CI (the test is then skipped with ``skipReason``). Under `CI` it is
    /// always true: CI has PyPI, and the only check of our signatures against Polymarket's own code must fail, not
    /// vanish, when it cannot run.
    package static var reachable: Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        if case .pypiUnreachable = setup { return false }
        return true
    }

    /// Why the official-client tests are skipped.
    package static var skipReason: String {
        if case .pypiUnreachable(let why) = setup {
            return "PyPI is unreachable (\(why)); the official py-clob-client-v2 test is skipped"
        }
        return ""
    }

    /// The flow script (`scripts/official-client-flow.py`).
    package static let script = SharedData.repositoryRoot.appendingPathComponent("scripts/official-client-flow.py").path

    private static func build() -> Setup {
        let venv = SharedData.repositoryRoot.appendingPathComponent(".build/official-client-venv").path
        let python = venv + "/bin/python"
        let marker = venv + "/.installed-" + pinned
        if FileManager.default.fileExists(atPath: marker) { return .ready(python: python) }
        let made = run("/usr/bin/env", ["python3", "-m", "venv", "--clear", venv])
        guard made.status == 0 else { return .failed("python3 -m venv: \(made.output)") }
        let pip = run(venv + "/bin/pip", ["install", "--quiet", "--disable-pip-version-check", pinned])
        if pip.status == 0 {
            FileManager.default.createFile(atPath: marker, contents: Data())
            return .ready(python: python)
        }
        // Tell "PyPI did not answer" from "the install broke".
        let probe = run(
            python,
            [
                "-c",
                "import urllib.request; urllib.request.urlopen('https://pypi.org/simple/py-clob-client-v2/', timeout=15)",
            ])
        if probe.status != 0 {
            return .pypiUnreachable(probe.output.split(separator: "\n").last.map(String.init) ?? "")
        }
        return .failed("pip install \(pinned): \(pip.output)")
    }

    /// Runs a program to completion; status and combined output.
    package static func run(_ program: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs the flow script against `host` (a CLOB base URL); stdout (one JSON object) and stderr kept apart.
    package static func flow(
        python: String, host: String, key: String, token: String, signatureType: Int = 0, funder: String? = nil
    ) async throws -> (status: Int32, json: Data, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, host, key, token] + (funder.map { [String(signatureType), $0] } ?? [])
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes on a Dispatch thread: blocking a thread of the cooperative pool (two on a 2-core machine) would
        // starve the simulator this process talks to, and every other test running beside it.
        let result: (Int32, Data, String) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let errors = DispatchGroup()
                let e = StderrBox()
                errors.enter()
                DispatchQueue.global().async {
                    e.data.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() }
                    errors.leave()
                }
                let o = out.fileHandleForReading.readDataToEndOfFile()
                errors.wait()
                process.waitUntilExit()
                let text = e.data.withLock { String(decoding: $0, as: UTF8.self) }
                continuation.resume(returning: (process.terminationStatus, o, text))
            }
        }
        return result
    }
}

/// The child's stderr, read on its own Dispatch thread.
private final class StderrBox: Sendable {
    let data = Mutex(Data())
}
