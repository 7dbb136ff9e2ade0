import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Runs a `ServiceGroup` for a test and stops it, and never lets a stuck shutdown hang the whole test run.
///
/// The group's own log lines (which service it is stopping, which one finished) are kept at debug level whatever the
/// test's log level. When the group has not finished `patience` after the shutdown was asked for, the test records an
/// issue with those lines (so the log names the service that did not stop) and stops waiting; the group's task is
/// left behind, cancelled.
package final class ServiceGroupRunner: Sendable {
    private let lines = Mutex<[String]>([])
    private let done = Mutex(false)
    private let task = Mutex<Task<Void, Never>?>(nil)

    package init() {}

    /// A logger for the group's configuration: `base` plus a debug-level record of the service group's own lines.
    package func logger(_ base: Logger) -> Logger {
        var logger = base
        logger.handler = MultiplexLogHandler([base.handler, GroupLineRecorder(runner: self)])
        return logger
    }

    /// Starts the group in its own task.
    package func start(_ group: ServiceGroup) {
        task.withLock {
            $0 = Task {
                do { try await group.run() } catch { self.record("group ended with \(error)") }
                self.done.withLock { $0 = true }
            }
        }
    }

    /// Whether the group ran out of its graceful-shutdown time and cancelled its services.
    package var escalatedToCancellation: Bool {
        lines.withLock { $0.contains { $0.contains("Graceful shutdown took longer than allowed") } }
    }

    /// The group's recorded lines, newest last.
    package var log: String { lines.withLock { $0.suffix(80).joined(separator: "\n") } }

    /// Whether the group has finished.
    package var hasFinished: Bool { done.withLock { $0 } }

    /// Asks `group` to shut down gracefully and waits until it has finished, at most `patience`.
    ///
    /// - Returns: true when it finished; false after recording an issue with the group's log.
    @discardableResult
    package func stop(
        _ group: ServiceGroup, patience: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation
    ) async -> Bool {
        await group.triggerGracefulShutdown()
        return await waitForEnd(patience: patience, sourceLocation: sourceLocation)
    }

    /// Waits until the group has finished, at most `patience` (polling: waiting on the task would not be cancellable).
    @discardableResult
    package func waitForEnd(
        patience: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation
    ) async -> Bool {
        let deadline = ContinuousClock.now + patience
        while !hasFinished, ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(20)) } catch { break }
        }
        if hasFinished { return true }
        let log = self.log
        FileHandle.standardError.write(Data("service group still running \(patience) after shutdown:\n\(log)\n".utf8))
        Issue.record(
            "the service group did not finish within \(patience) of its shutdown; its log:\n\(log)",
            sourceLocation: sourceLocation)
        task.withLock { $0?.cancel() }
        return false
    }

    fileprivate func record(_ line: String) {
        let stamp = Date().formatted(.iso8601.time(includingFractionalSeconds: true))
        lines.withLock {
            $0.append("\(stamp) \(line)")
            if $0.count > 2_000 { $0.removeFirst(1_000) }
        }
    }
}

/// Keeps ServiceLifecycle's own lines, with the service named by the first 80 characters of its description.
private struct GroupLineRecorder: LogHandler {
    let runner: ServiceGroupRunner
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.source == "ServiceLifecycle" else { return }
        let service = event.metadata?["sl-service"].map { String("\($0)".prefix(80)) } ?? ""
        runner.record("\(event.level) \(event.message) \(service)")
    }
}
