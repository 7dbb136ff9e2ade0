import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import PolybotAPI
import PolybotCore
import PolybotPipeline
import Polymarket
import PolybotStore
import PostgresNIO
import Prometheus
import ServiceLifecycle
import UnixSignals

/// The composition root: everything `polybot serve` runs, built in one place that tests call too.
public enum PolybotApp {
    /// Runs the daemon until SIGTERM/SIGINT: opens the database (embedded when no `DATABASE_URL`), refuses to
    /// start with pending migrations unless `migrateFirst`, then serves until a graceful shutdown, and finally
    /// stops the embedded cluster.
    ///
    /// - Parameters:
    ///   - config: validated settings.
    ///   - migrateFirst: apply pending migrations instead of refusing to start.
    ///   - registry: the Prometheus registry that `main` bootstrapped swift-metrics with.
    ///   - logger: the root logger.
    /// - Throws: ``MigrationError/pending(_:)``, database and bind errors.
    public static func serve(
        config: AppConfiguration, migrateFirst: Bool, registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        logger.info("database", metadata: ["db.target": "\(database.target)"])

        // Pre-flight on a short-lived client, so nothing listens before the schema is known to be current.
        let lists = try await database.withClient(logger: logger) { client in
            let runner = try DatabaseLifecycle.migrationRunner(config, client: client, logger: logger)
            let pending = try await runner.pending()
            if !pending.isEmpty {
                guard migrateFirst else { throw MigrationError.pending(pending.map(\.name)) }
                try await runner.apply()
            }
            let whales = try await PolybotStore(client: client, logger: logger).whales.all()
            return (allow: Set(whales.filter { $0.listStatus == .allow }.map(\.address)),
                    deny: Set(whales.filter { $0.listStatus == .deny }.map(\.address)))
        }

        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let transport = HTTPTransport(logger: logger)
        var live: LiveTrading?
        if config.tradesLive {
            do {
                live = try await config.liveTrading(clob: ClobClient(baseURL: config.clobURL, transport: transport))
            } catch {
                try? await transport.shutdown()
                throw error
            }
        }
        let group = try buildServiceGroup(config: config, client: client, registry: registry, logger: logger, transport: transport,
                                          pipeline: config.pipelineSettings(allow: lists.allow, deny: lists.deny), live: live)
        do {
            try await group.run()
        } catch {
            try? await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
        logger.info("polybot stopped")
    }

    /// Builds the service group of the daemon: the PostgreSQL client first, the HTTP server last (so a
    /// graceful shutdown stops the server first and closes the database last).
    ///
    /// - Parameters:
    ///   - config: validated settings (host, port, migrations folder…).
    ///   - client: a PostgreSQL client that is not running yet; the group runs it.
    ///   - registry: metrics registry served on `/metrics`.
    ///   - logger: the root logger.
    ///   - onServerRunning: called with the bound channel once the HTTP server listens (tests read the port).
    /// - Returns: a group that handles SIGTERM and SIGINT.
    package static func buildServiceGroup(
        config: AppConfiguration, client: PostgresClient, registry: PrometheusCollectorRegistry, logger: Logger,
        transport: HTTPTransport? = nil, pipeline settings: PipelineSettings? = nil, live: LiveTrading? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> ServiceGroup {
        let store = PolybotStore(client: client, logger: logger)
        let folder = try MigrationRunner.locateFolder(explicit: config.migrationsDirectory)
        let migrations = try MigrationRunner.load(folder: folder)
        let runner = try MigrationRunner(migrations: migrations, client: client, logger: logger)

        let router = Router()
        router.add(middleware: MetricsMiddleware())
        HealthController(
            readiness: {
                let up = await store.db.ping()
                let pending = up ? (try? await runner.pending().map(\.name)) : nil
                return Readiness(database: up, pendingMigrations: pending)
            },
            metrics: { registry.emitToBuffer() }
        ).addRoutes(to: router)

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "polybot"),
            onServerRunning: { channel in
                logger.info("listening", metadata: ["http.address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                await onServerRunning(channel)
            },
            logger: logger)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client)]
        if let transport, let settings {
            var clob = ClobClient(baseURL: config.clobURL, transport: transport)
            if let live { clob.auth = (live.credentials, live.key.address) }
            let pipeline = try Pipeline.build(
                settings: settings, store: store, clob: clob, dataAPI: DataAPIClient(baseURL: config.dataAPIURL, transport: transport),
                rpc: config.polygonRPCURL.map { PolygonRPC(url: $0, transport: transport) }, live: live, logger: logger)
            services += pipeline.services.map { .init(service: $0) }
            logger.notice("pipeline", metadata: ["mode": "\(settings.mode.rawValue)", "feed": "\(settings.rtdsURL ?? "off")"])
        }
        if let transport, let at = NightlyTime(config.rescoreAtUTC) {
            let job = RescoringJob(store: store, dataAPI: DataAPIClient(baseURL: config.dataAPIURL, transport: transport),
                                   gamma: GammaClient(baseURL: config.gammaURL, transport: transport),
                                   parameters: config.scoringParameters, logger: logger)
            services.append(.init(service: NightlyRescoreService(job: job, hour: at.hour, minute: at.minute, logger: logger)))
        }
        services.append(.init(service: app))
        var groupConfig = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger)
        // Why 8 s: operators and the container runtime expect exit within 10 s of SIGTERM.
        groupConfig.maximumGracefulShutdownDuration = .seconds(8)
        return ServiceGroup(configuration: groupConfig)
    }
}
