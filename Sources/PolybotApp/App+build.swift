import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import NIOCore
import PolybotAPI
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket
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
        // Signals first: from here on SIGTERM/SIGINT end `serve` cleanly at whatever step it has reached.
        let signals = ShutdownSignals.process
        await signals.trap()
        defer { signals.finish() }
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        logger.info("database", metadata: ["db.target": "\(database.target)"])
        if signals.requested {
            logger.notice("shutdown requested during start-up; stopping before the pipeline starts")
            return
        }

        // Pre-flight on a short-lived client, so nothing listens before the schema is known to be current.
        let lists = try await database.withClient(logger: logger) { client in
            let runner = try DatabaseLifecycle.migrationRunner(config, client: client, logger: logger)
            let pending = try await runner.pending()
            if !pending.isEmpty {
                guard migrateFirst else { throw MigrationError.pending(pending.map(\.name)) }
                try await runner.apply()
            }
            let store = PolybotStore(client: client, logger: logger, queryLimit: .seconds(config.dbQuerySeconds))
            let lists = try await store.whales.lists()
            return (allow: lists.allow, deny: lists.deny, stored: try await store.settings.all())
        }
        // Settings the operator changed from the dashboard override the environment and the file.
        let config = try SettingsCentre.applyingStored(lists.stored, to: config)
        if !lists.stored.isEmpty {
            logger.notice("operator settings applied", metadata: ["keys": "\(lists.stored.keys.sorted())"])
        }

        if signals.requested {
            logger.notice("shutdown requested during start-up; stopping before the pipeline starts")
            return
        }
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let transport = HTTPTransport(logger: logger)
        var live: LiveTrading?
        if config.tradesLive {
            do {
                live = try await config.liveTrading(
                    clob: ClobClient(baseURL: config.clobURL, transport: transport), logger: logger)
            } catch {
                try? await transport.shutdown()
                throw error
            }
        }
        let group = try buildServiceGroup(
            config: config, client: client, registry: registry, logger: logger, transport: transport,
            pipeline: config.pipelineSettings(allow: lists.allow, deny: lists.deny), live: live, trapsSignals: false)
        await signals.forward(to: group)
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
    ///   - trapsSignals: the group traps SIGTERM/SIGINT itself (false: the caller forwards them, see
    ///     ``ShutdownSignals``).
    ///   - groupLogger: the service group's own log (which service starts and stops); `logger` when nil.
    ///   - onServerRunning: called with the bound channel once the HTTP server listens (tests read the port).
    /// - Returns: a group that handles SIGTERM and SIGINT.
    package static func buildServiceGroup(
        config: AppConfiguration, client: PostgresClient, registry: PrometheusCollectorRegistry, logger: Logger,
        transport: HTTPTransport? = nil, pipeline settings: PipelineSettings? = nil, live: LiveTrading? = nil,
        passwordRounds: Int = PasswordHash.defaultRounds, trapsSignals: Bool = true,
        groupLogger: Logger? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> ServiceGroup {
        let store = PolybotStore(client: client, logger: logger, queryLimit: .seconds(config.dbQuerySeconds))
        let migrations = try MigrationRunner.resolve(folder: config.migrationsDirectory)
        let runner = try MigrationRunner(migrations: migrations, client: client, logger: logger)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client)]
        let events = PipelineEvents()
        let stream = EventStream()
        var pipeline: Pipeline?
        if let transport, let settings {
            var clob = ClobClient(baseURL: config.clobURL, transport: transport)
            if let live { clob.auth = (live.credentials, live.key.address) }
            let built = try Pipeline.build(
                settings: settings, store: store, clob: clob,
                dataAPI: DataAPIClient(baseURL: config.dataAPIURL, transport: transport),
                rpc: config.polygonRPCURL.map { PolygonRPC(url: $0, transport: transport) }, live: live,
                gamma: GammaClient(baseURL: config.gammaURL, transport: transport), logger: logger, events: events)
            services += built.services.map { .init(service: $0) }
            pipeline = built
            logger.notice(
                "pipeline", metadata: ["mode": "\(settings.mode.rawValue)", "feeds": "\(config.feeds.description)"])
        }
        services.append(.init(service: EventPump(stream: stream, events: events)))
        if let transport {
            var sinks: [any AlertSink] = []
            if let url = config.alertWebhookURL, let secret = config.alertWebhookSecret {
                sinks.append(WebhookSink(url: url, secret: secret.revealed, transport: transport))
            }
            if let token = config.telegramBotToken, let chat = config.telegramChatId {
                sinks.append(
                    TelegramSink(
                        apiURL: config.telegramAPIURL, token: token.revealed, chatId: chat, transport: transport))
            }
            if let host = config.smtpHost, let from = config.alertEmailFrom {
                sinks.append(SMTPSink(host: host, port: config.smtpPort, from: from, to: config.alertEmailTo))
            }
            if !sinks.isEmpty {
                services.append(.init(service: AlertService(events: events, sinks: sinks, logger: logger)))
            }
        }

        let centre = SettingsCentre(config: config, store: store, pipeline: pipeline, logger: logger)
        let env = APIEnvironment(
            store: store, mode: config.mode, startingEquity: config.startingEquity,
            pipeline: pipeline.map { OperatorActions($0, store: store) }, stream: stream,
            signer: config.jwtSecret.map { TokenSigner(secret: Array($0.revealed.utf8)) } ?? .random(),
            password: config.operatorPassword.map { PasswordVerifier(password: $0.revealed, rounds: passwordRounds) },
            readOnlyToken: config.readOnlyToken?.revealed,
            configView: {
                centre.current.describedSettings(source: centre.current.source).map {
                    ConfigEntry(key: $0.key, value: $0.value, origin: $0.origin)
                }
            },
            feedStallSeconds: config.feedStallSeconds)
        var apiEnv = env
        if let transport { apiEnv.restStats = { transport.stats.snapshot } }
        apiEnv.signalStake = config.fixedOrder
        let backtests = BacktestRunner(
            config: config, store: PolybotStore(client: client, logger: logger, queryLimit: .batchQueryLimit),
            logger: logger)
        apiEnv.backtests = backtests.control
        services.append(.init(service: BacktestJanitor(store: store, logger: logger)))
        if let transport {
            let gamma = GammaClient(baseURL: config.gammaURL, transport: transport)
            let catalog = MarketCatalogService(
                store: store, gamma: gamma, dataAPI: DataAPIClient(baseURL: config.dataAPIURL, transport: transport),
                interval: .seconds(config.marketCatalogSeconds), logger: logger)
            services.append(.init(service: catalog))
            // Funding from the chain: who is one trader (issue 31).
            if let url = config.polygonRPCURL {
                services.append(
                    .init(
                        service: FundingScanner(
                            rpc: PolygonRPC(url: url, transport: transport), store: store,
                            rules: FundingDefaults.rules(
                                extraExcluded: config.feeds.fundingExcluded, tokens: FundingDefaults.tokens,
                                depth: config.feeds.fundingDepth),
                            lookbackBlocks: Int64(config.feeds.fundingLookbackBlocks),
                            confirmations: Int64(config.feeds.chainConfirmations), logger: logger)))
            }
            // The market channel's market_resolved makes the catalog read a market at once (a trigger only).
            services.append(
                .init(service: ResolutionWatcher(store: store, catalog: catalog, url: config.clobWSURL, logger: logger))
            )
        }
        services.append(
            .init(
                service: HealthSampler(
                    database: store.db, restStats: apiEnv.restStats, logger: logger, signerLimits: live?.signerLimits)))
        let router = APIRouter.build(
            env: apiEnv,
            health: HealthController(
                readiness: {
                    let up = await store.db.ping()
                    let pending = up ? (try? await runner.pending().map(\.name)) : nil
                    return Readiness(database: up, pendingMigrations: pending)
                },
                metrics: { registry.emitToBuffer() }),
            dashboardFolder: DashboardFolder.locate(explicit: config.dashboardDirectory), settings: centre.control,
            logger: logger)
        let app = Application(
            router: router,
            server: GatedWebSocketChannel.builder(
                webSocketRouter: router,
                configuration: .init(
                    // An idle HTTP connection is closed after POLYBOT_HTTP_IDLE_SECONDS (30); heads are bounded by
                    // RequestHeadLimit.
                    http1: .init(
                        idleTimeout: .seconds(Int64(config.httpIdleSeconds)),
                        httpDecoderConfiguration: .init(
                            maxHeaderFieldSize: APIRouter.maxHeadBytes, maxHeaderListSize: APIRouter.maxHeadBytes)),
                    ws: .init(maxFrameSize: 1 << 16)),
                idleSeconds: config.httpIdleSeconds, mayUpgrade: APIRouter.upgradeGate(env: apiEnv)),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "polybot"),
            onServerRunning: { channel in
                logger.info("listening", metadata: ["http.address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                await onServerRunning(channel)
            },
            logger: logger)
        if let transport, let at = NightlyTime(config.rescoreAtUTC) {
            let job = RescoringJob(
                // Its own limit and breaker: a long scoring query neither times out at 5 s nor trips the API's breaker.
                store: PolybotStore(client: client, logger: logger, queryLimit: .batchQueryLimit),
                dataAPI: DataAPIClient(baseURL: config.dataAPIURL, transport: transport),
                gamma: GammaClient(baseURL: config.gammaURL, transport: transport),
                parameters: config.scoringParameters, logger: logger)
            services.append(
                .init(service: NightlyRescoreService(job: job, hour: at.hour, minute: at.minute, logger: logger)))
        }
        if let transport, config.rescoreEverySeconds > 0 {
            let batch = PolybotStore(client: client, logger: logger, queryLimit: .batchQueryLimit)
            let job = RescoringJob(
                store: batch, dataAPI: DataAPIClient(baseURL: config.dataAPIURL, transport: transport),
                gamma: GammaClient(baseURL: config.gammaURL, transport: transport),
                parameters: config.scoringParameters, logger: logger)
            services.append(
                .init(
                    service: MarketTimeRescoreService(
                        job: job, store: batch, interval: .seconds(config.rescoreEverySeconds), logger: logger)))
        }
        services.append(.init(service: app))
        // Last in the group, so first to hear a graceful shutdown: closes the event streams before the server waits on
        // their connections.
        services.append(.init(service: StreamCloser(stream: stream)))
        var groupConfig = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: trapsSignals ? [.sigterm, .sigint] : [],
            cancellationSignals: [],
            logger: groupLogger ?? logger)
        // Why 8 s: operators and the container runtime expect exit within 10 s of SIGTERM.
        groupConfig.maximumGracefulShutdownDuration = .seconds(8)
        return ServiceGroup(configuration: groupConfig)
    }
}

/// At start, marks backtests left `running` by a previous process as interrupted (nothing runs them any more).
struct BacktestJanitor: Service {
    let store: PolybotStore
    let logger: Logger

    func run() async throws {
        do {
            let n = try await store.backtests.interruptRunning(at: Int64(Date().timeIntervalSince1970))
            if n > 0 { logger.warning("backtests interrupted by a restart", metadata: ["backtest.count": "\(n)"]) }
        } catch {
            // The database may be down at start: the runs stay `running` until the next start; nothing else depends
            // on them.
            logger.error("could not mark interrupted backtests", metadata: ["backtest.error": "\(error)"])
        }
        do { try await gracefulShutdown() } catch { return }
    }
}

/// Closes every event-stream client when the graceful shutdown begins.
struct StreamCloser: Service {
    let stream: EventStream

    func run() async throws {
        do { try await gracefulShutdown() } catch { return }  // cancelled: the group is going down anyway
        stream.closeAll()
    }
}

/// Forwards the pipeline's events to the WebSocket stream until shutdown.
struct EventPump: Service {
    let stream: EventStream
    let events: PipelineEvents

    func run() async throws {
        await cancelWhenGracefulShutdown { await stream.pump(from: events) }
    }
}

/// Where the static dashboard is: `POLYBOT_DASHBOARD_DIR`, `./dashboard-static`, or beside the binary.
enum DashboardFolder {
    static func locate(explicit: String?) -> String? {
        var candidates: [String] = []
        if let explicit { candidates.append(explicit) }
        candidates.append(FileManager.default.currentDirectoryPath + "/dashboard-static")
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        candidates.append(exe.appendingPathComponent("dashboard-static").path)
        candidates.append(exe.appendingPathComponent("../share/polybot/dashboard-static").standardizedFileURL.path)
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/index.html") }
    }
}
