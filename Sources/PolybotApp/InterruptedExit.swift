import Dispatch
import Foundation
import PolybotStore
import Synchronization

/// SIGINT and SIGTERM for every verb but `serve` (which shuts down gracefully through ``ShutdownSignals``): the
/// command is stopped where it is, but what it started is not left behind — the embedded clusters it started are
/// stopped and its throwaway folders removed (``StartedClusters``) — and it exits 130 (SIGINT) or 143 (SIGTERM).
public enum InterruptedExit {
    private static let sources = Mutex<[any DispatchSourceSignal]>([])

    /// Installs the handlers (once).
    public static func install() {
        sources.withLock { installed in
            guard installed.isEmpty else { return }
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    var lines = ["polybot: interrupted (signal \(sig)); stopping what this command started"]
                    lines += StartedClusters.stopAll().map { "polybot: " + $0 }
                    FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
                    exit(128 + sig)
                }
                source.resume()
                installed.append(source)
            }
        }
    }
}
