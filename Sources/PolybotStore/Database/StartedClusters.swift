import Foundation
import Synchronization

/// The embedded clusters this process started and has not stopped yet, and the throwaway folders to remove with them:
/// what an interrupted command (Ctrl-C, SIGTERM during `replay` or `backtest`) must not leave behind. ``EmbeddedPostgres``
/// lists a cluster when it starts one and forgets it when it stops it; a command that uses a throwaway cluster names its
/// folder. ``stopAll()`` is the interrupted exit: it stops what is listed and removes the throwaway folders.
package enum StartedClusters {
    private struct State {
        var clusters: Set<String> = []
        var throwaway: Set<String> = []
    }
    private static let state = Mutex(State())

    /// A cluster this process started (its data directory).
    static func started(_ dataDirectory: String) { state.withLock { _ = $0.clusters.insert(dataDirectory) } }

    /// A cluster this process stopped.
    static func stopped(_ dataDirectory: String) { state.withLock { _ = $0.clusters.remove(dataDirectory) } }

    /// A folder to remove on an interrupted exit (and by its owner on a normal one): a throwaway cluster's.
    package static func throwaway(_ folder: String) { state.withLock { _ = $0.throwaway.insert(folder) } }

    /// The folder was removed by its owner.
    package static func removed(_ folder: String) { state.withLock { _ = $0.throwaway.remove(folder) } }

    /// Stops every cluster still listed (SIGINT to its postmaster: PostgreSQL's fast shutdown, waiting up to 10 s
    /// each), then removes the throwaway folders. Returns what it did, one line each, for the caller to print.
    package static func stopAll() -> [String] {
        let (clusters, folders) = state.withLock { s in
            defer { s = State() }
            return (s.clusters.sorted(), s.throwaway.sorted())
        }
        var done: [String] = []
        for dir in clusters {
            // No readable pid file, or no such process: the cluster is not running, so there is nothing to stop.
            guard let pid = EmbeddedPostgres.runningPostmaster(dataDirectory: dir)?.pid, kill(pid, SIGINT) == 0 else {
                done.append("the embedded PostgreSQL in \(dir) was not running")
                continue
            }
            var waited = 0
            while kill(pid, 0) == 0, waited < 200 {
                usleep(50_000)
                waited += 1
            }
            done.append("stopped the embedded PostgreSQL in \(dir)")
        }
        for folder in folders {
            do {
                try FileManager.default.removeItem(atPath: folder)
                done.append("removed \(folder)")
            } catch {
                done.append("could not remove \(folder): \(error)")
            }
        }
        return done
    }
}
