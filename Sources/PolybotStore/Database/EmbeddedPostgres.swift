import Foundation
import Logging

/// A private PostgreSQL cluster started from the machine's PostgreSQL binaries, the way
/// embedded-postgres libraries do: used by `polybot` when no `DATABASE_URL` is set, and by the test harness.
///
/// The cluster listens on 127.0.0.1 only, on a free port, with unix sockets disabled (deep data paths would
/// exceed the 107-byte socket path limit). When the process runs as root, the binaries run as the `postgres`
/// system user, because `initdb` refuses to run as root.
package struct EmbeddedPostgres: Sendable {
    /// How to start the cluster.
    package struct Options: Sendable {
        /// The data directory; created and initialised when it holds no cluster yet.
        package var dataDirectory: String
        /// The folder holding `initdb` and `pg_ctl`; the newest `/usr/lib/postgresql/*/bin` when nil.
        package var binDirectory: String?
        /// The database to create (if missing) for the application.
        package var database: String
        /// `false` turns off fsync and full-page writes: for throwaway test clusters only.
        package var durable: Bool
        /// The TCP port to listen on; a free one when nil (a restart that must keep its clients' URL names one).
        package var port: Int?

        /// Creates options.
        package init(
            dataDirectory: String, binDirectory: String? = nil, database: String = "polybot", durable: Bool = true,
            port: Int? = nil
        ) {
            self.port = port
            self.dataDirectory = dataDirectory
            self.binDirectory = binDirectory
            self.database = database
            self.durable = durable
        }
    }

    /// What went wrong starting or stopping the cluster.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// The data directory actually used (it differs from the requested one when the `postgres` user cannot
    /// reach the requested path).
    package let dataDirectory: String
    /// The TCP port on 127.0.0.1.
    package let port: Int
    /// The application database name.
    package let database: String
    /// Whether this process started the postmaster (and so must stop it).
    package let ownsServer: Bool
    private let binDirectory: String

    /// The `postgres://` URL of the application database.
    package var url: String { "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// Starts the cluster (initialising it first if needed), or attaches to one already running from the
    /// same data directory.
    ///
    /// - Parameters:
    ///   - options: where and how.
    ///   - logger: receives one line per step.
    /// - Returns: the running cluster.
    /// - Throws: ``Failure`` with the command output when PostgreSQL is missing or refuses to start.
    package static func start(_ options: Options, logger: Logger) throws -> EmbeddedPostgres {
        let bin = try options.binDirectory ?? findBinDirectory()
        let fm = FileManager.default
        var dir = URL(fileURLWithPath: options.dataDirectory).standardizedFileURL.path
        let asRoot = getuid() == 0
        let parent = (dir as NSString).deletingLastPathComponent
        try fm.createDirectory(
            atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if asRoot && !postgresUserCanReach(parent) {
            // A parent such as a 0700 mktemp folder blocks the postgres user: fall back to a stable place it can reach.
            let fallback = "/var/tmp/polybot-pg-\(stableHash(dir))"
            logger.warning(
                "postgres user cannot reach the data directory; using a fallback",
                metadata: ["pg.requested": "\(dir)", "pg.data_dir": "\(fallback)"])
            dir = fallback
            try fm.createDirectory(
                atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if asRoot {
            _ = try ShellCommand.run(["chown", "postgres:postgres", dir])
        }
        _ = try ShellCommand.run(["chmod", "700", dir])

        if let running = runningPort(dataDirectory: dir) {
            // A cluster whose starter is gone (a `kill -9`, a crash) has no one to stop it: this process adopts it.
            if let owner = ownerPid(dataDirectory: dir), owner != getpid(), processAlive(owner) {
                logger.info(
                    "attached to running embedded PostgreSQL",
                    metadata: ["pg.port": "\(running)", "pg.data_dir": "\(dir)", "pg.owner_pid": "\(owner)"])
                return EmbeddedPostgres(
                    dataDirectory: dir, port: running, database: options.database, ownsServer: false,
                    binDirectory: bin)
            }
            try recordOwner(dataDirectory: dir)
            StartedClusters.started(dir)
            logger.notice(
                "adopted embedded PostgreSQL left running by a process that is gone; it is stopped at exit",
                metadata: ["pg.port": "\(running)", "pg.data_dir": "\(dir)"])
            return EmbeddedPostgres(
                dataDirectory: dir, port: running, database: options.database, ownsServer: true, binDirectory: bin)
        }

        if !fm.fileExists(atPath: dir + "/PG_VERSION") {
            let initdb = try ShellCommand.run(
                ["\(bin)/initdb", "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"]
                    + (options.durable ? [] : ["--no-sync"]),
                asPostgresUser: true)
            guard initdb.status == 0 else {
                throw Failure(description: "initdb failed (\(initdb.status)): \(initdb.output)")
            }
            logger.info("initialised embedded PostgreSQL cluster", metadata: ["pg.data_dir": "\(dir)"])
        }

        guard let port = options.port ?? FreePort.find() else {
            throw Failure(description: "no free TCP port on 127.0.0.1")
        }
        var serverOptions = "-c listen_addresses=127.0.0.1 -p \(port) -c unix_socket_directories=''"
        if !options.durable {
            serverOptions += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        }
        let start = try ShellCommand.run(
            ["\(bin)/pg_ctl", "-D", dir, "-l", dir + "/server.log", "-w", "-t", "60", "-o", serverOptions, "start"],
            asPostgresUser: true)
        guard start.status == 0 else {
            let serverLog = (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8))?.suffix(2000) ?? ""
            throw Failure(description: "pg_ctl start failed (\(start.status)): \(start.output)\n\(serverLog)")
        }
        try recordOwner(dataDirectory: dir)
        StartedClusters.started(dir)
        logger.info("started embedded PostgreSQL", metadata: ["pg.port": "\(port)", "pg.data_dir": "\(dir)"])
        return EmbeddedPostgres(
            dataDirectory: dir, port: port, database: options.database, ownsServer: true, binDirectory: bin)
    }

    /// Stops the postmaster with a fast shutdown, if this process started it.
    ///
    /// - Throws: ``Failure`` when `pg_ctl stop` fails.
    package func stop(logger: Logger) throws {
        guard ownsServer else { return }
        let result = try ShellCommand.run(
            ["\(binDirectory)/pg_ctl", "-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"],
            asPostgresUser: true)
        guard result.status == 0 else {
            throw Failure(description: "pg_ctl stop failed (\(result.status)): \(result.output)")
        }
        StartedClusters.stopped(dataDirectory)
        do { try FileManager.default.removeItem(atPath: dataDirectory + "/" + Self.ownerFile) } catch {
            logger.debug("owner file not removed", metadata: ["error": "\(error)"])
        }
        logger.info("stopped embedded PostgreSQL", metadata: ["pg.data_dir": "\(dataDirectory)"])
    }

    /// Whether a postmaster is serving this data directory right now.
    package var isRunning: Bool { EmbeddedPostgres.runningPort(dataDirectory: dataDirectory) != nil }

    // MARK: - Helpers

    /// The newest installed PostgreSQL `bin` folder.
    package static func findBinDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted()
        guard let newest = versions.last, FileManager.default.fileExists(atPath: "\(root)/\(newest)/bin/pg_ctl") else {
            throw Failure(
                description:
                    "no PostgreSQL binaries under \(root); install them with `apt-get install -y postgresql` or set DATABASE_URL"
            )
        }
        return "\(root)/\(newest)/bin"
    }

    /// The port of a live postmaster recorded in `postmaster.pid`, or nil when none runs.
    package static func runningPort(dataDirectory dir: String) -> Int? { runningPostmaster(dataDirectory: dir)?.port }

    /// The live postmaster recorded in `postmaster.pid`: its process and port; nil when the file is absent or
    /// unreadable, or its process is gone (in every case: no cluster runs there).
    package static func runningPostmaster(dataDirectory dir: String) -> (pid: Int32, port: Int)? {
        guard let text = try? String(contentsOfFile: dir + "/postmaster.pid", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 3, let pid = Int32(lines[0].trimmingCharacters(in: .whitespaces)),
            let port = Int(lines[3].trimmingCharacters(in: .whitespaces))
        else { return nil }
        // kill(pid, 0) probes for existence without sending anything.
        guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
        return (pid, port)
    }

    /// The file in the data directory naming the process that started (or adopted) the running cluster.
    static let ownerFile = "polybot.owner"

    static func ownerPid(dataDirectory dir: String) -> Int32? {
        guard let text = try? String(contentsOfFile: dir + "/" + ownerFile, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func recordOwner(dataDirectory dir: String) throws {
        try "\(getpid())\n".write(toFile: dir + "/" + ownerFile, atomically: true, encoding: .utf8)
    }

    /// Whether a process exists (a zombie counts as gone).
    static func processAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !stat.contains(") Z ")
    }

    /// True when the `postgres` user can traverse `dir` (and so every folder above it).
    private static func postgresUserCanReach(_ dir: String) -> Bool {
        (try? ShellCommand.run(["test", "-x", dir], asPostgresUser: true).status) == 0
    }

    /// FNV-1a of a text, in hex: stable across runs (the fallback data folder, the pending trading-state file).
    package static func stableHash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}
