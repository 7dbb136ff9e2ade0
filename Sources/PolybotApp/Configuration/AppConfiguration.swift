import Foundation
import PolybotCore
import PolybotStore
import Polymarket

/// Every problem found in the configuration, reported together so an operator fixes them in one go.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// One line per problem, each naming the key.
    public var problems: [String]
    public var description: String {
        "invalid configuration (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// The effective settings of a Polybot process, validated at start.
///
/// Keys come from the environment, a `POLYBOT_CONFIG` file, flags or the dashboard; every key, its default and its
/// meaning are in `docs/settings.md` and ``Key``; secrets (`POLY_PRIVATE_KEY`, …) may also come as `…_FILE`.
public struct AppConfiguration: Sendable {
    /// Log output format.
    public enum LogFormat: String, Sendable, CaseIterable { case human, json }
    /// How copy orders are sized.
    public enum SizingMode: String, Sendable, CaseIterable { case kelly, fixed, proportional }

    package var databaseURL: DatabaseURL?
    public var dataDirectory: String
    public var migrationsDirectory: String?
    public var host: String
    public var port: Int
    public var mode: RunMode
    public var logFormat: LogFormat
    public var logLevel: String

    /// Minimum notional of a whale trade.
    public var whaleMinNotional: Micros
    public var consensusWindowHours: Int
    /// Required agreeing share, basis points.
    public var consensusRatioBps: Int
    public var consensusMinMembers: Int
    /// Required upside `1 − ask`.
    public var consensusMinUpside: Micros

    public var sizingMode: SizingMode
    /// Kelly multiplier in basis points (2500 = ¼ Kelly).
    public var kellyFractionBps: Int
    public var fixedOrder: Micros
    /// Share of the whales' notional to copy, basis points.
    public var proportionalBps: Int
    public var startingEquity: Micros

    /// Max position as a share of equity, basis points.
    public var riskMaxPositionBps: Int
    public var riskMaxPositionsPerEvent: Int
    public var riskMaxSlippage: Micros
    /// Daily loss stop as a share of start-of-day equity, basis points.
    public var riskDailyLossStopBps: Int
    public var riskMaxExposure: Micros
    public var riskMaxOrdersPerMinute: Int

    /// Paper fills walk the book this many seconds after detection.
    public var copyDelaySeconds: Int
    /// GTD lifetime of entry orders, seconds.
    public var orderLifetimeSeconds: Int
    /// Replay and backtest fills: the share of each later print's size a copy may take, basis points.
    public var tapeParticipationBps: Int
    /// How long an intent waits for an operator in approve mode, seconds.
    public var approvalTTLSeconds: Int
    /// Approve mode signs and sends approved orders live (needs the live credentials).
    public var approveLive: Bool
    /// Take-profit / stop-loss, basis points of the entry price (nil = off).
    public var takeProfitBps: Int?
    public var stopLossBps: Int?
    /// Mirror the copied whales' sells.
    public var mirrorWhaleSells: Bool
    /// Market cooldown after a stop-loss, hours (0 = none).
    public var cooldownAfterStopHours: Int
    /// Positions are marked to market this often, seconds.
    public var markSeconds: Int
    /// Live: seconds between reads of the funder's redeemable positions.
    public var redeemSeconds: Int
    /// Live: seconds a resolved market is left to Polymarket's AutoRedeemer before Polybot redeems it.
    public var autoRedeemGraceSeconds: Int
    /// Subscribe to the RTDS feed (off: only backfills, e.g. for tests).
    public var feedEnabled: Bool
    /// Trade sources (chain, RTDS, Data API), the chain's WebSocket and confirmations, the divergence grace.
    public var feeds: FeedSettings
    public var rtdsURL: String
    public var dataAPIURL: String
    public var gammaURL: String
    public var clobURL: String
    public var clobWSURL: String
    public var polygonRPCURL: String?
    /// Polygon chain id for signing: 137 (mainnet) or 80002 (Amoy).
    public var chainId: UInt64
    public var feedStallSeconds: Int
    /// How long an HTTP connection may stay silent before the server closes it (seconds).
    public var httpIdleSeconds: Int
    /// The longest one query of the daemon's requests and stages may take before the database counts as unavailable
    /// (seconds; batch work — rescoring, replays — has its own, longer limit).
    public var dbQuerySeconds: Int
    /// Seconds between safety-net sweeps of the Data API's recent window (0: off).
    public var feedSweepSeconds: Int
    /// How far before the newest trade time each sweep reaches, seconds.
    public var feedSweepWindowSeconds: Int
    /// Nightly rescoring time, `HH:MM` UTC.
    public var rescoreAtUTC: String
    /// Seconds between rescorings on market time, as of the newest stored trade (0: off; the demo uses it).
    public var rescoreEverySeconds: Int
    /// Seconds between passes of the market catalog (titles and resolutions from Gamma).
    public var marketCatalogSeconds: Int
    /// Scoring and classifier thresholds.
    public var scoringParameters: ScoringParameters

    /// The operator password (login), the optional read-only API token and the JWT signing secret.
    public var operatorPassword: Secret?
    public var readOnlyToken: Secret?
    public var jwtSecret: Secret?
    /// Alert sinks (each enabled when its settings are present).
    public var alertWebhookURL: String?
    public var alertWebhookSecret: Secret?
    public var telegramBotToken: Secret?
    public var telegramChatId: String?
    public var telegramAPIURL: String
    public var smtpHost: String?
    public var smtpPort: Int
    public var alertEmailFrom: String?
    public var alertEmailTo: [String]
    /// Folder of the static dashboard (auto when unset).
    public var dashboardDirectory: String?
    public var privateKey: Secret?
    public var apiKey: String?
    public var apiSecret: Secret?
    public var passphrase: Secret?
    /// How live orders are signed (`POLY_SIGNATURE_TYPE`): 0 EOA, 1 proxy, 2 Safe, 3 deposit wallet.
    public var signatureType: UInt8
    /// The funding wallet for signature types 1–3 (`POLY_FUNDER`).
    public var funder: EthAddress?
    /// `POLY_BUILDER_CODE`: 32 bytes of hex stamped on every order; zero when unset.
    public var builderCode: [UInt8]
    /// The wallet owner's L2 credentials when the trading key is a session key (`POLY_OWNER_*`): orders placed under
    /// the owner's key are reconciled with them.
    public var ownerCredentials: (credentials: ApiCredentials, address: EthAddress)?
    /// polymarket.com's geoblock check, asked before live trading (`POLYBOT_GEOBLOCK_URL`; `off`: not asked, empty here).
    public var geoblockURL: String
    /// The venue's post-only window after a matching-engine restart, seconds.
    public var venuePostOnlySeconds: Double
    /// Per-signer order and cancel buckets (rate a second, burst).
    public var signerOrderRate: Double
    public var signerOrderBurst: Int
    public var signerCancelRate: Double
    public var signerCancelBurst: Int

    /// Where each value came from, for `config show`.
    public var origins: [String: String]
    /// Where the values came from (kept so operator changes can be validated over it).
    public var source: ConfigurationSource

    /// Upper bounds of the money settings: far above any real use, far below where 64-bit micro arithmetic could overflow
    /// (9.2 × 10^12 dollars), so that no combination of settings can make sizing or risk arithmetic trap.
    public enum Limits {
        /// Whale notional threshold: $100 million.
        public static let maxNotional = Micros(100_000_000 * Micros.scale)
        /// One copy order: $1 million.
        public static let maxOrder = Micros(1_000_000 * Micros.scale)
        /// Equity and exposure: $1 billion.
        public static let maxEquity = Micros(1_000_000_000 * Micros.scale)
    }

    /// Reads and validates everything, collecting every problem before failing.
    ///
    /// - Throws: ``ConfigurationError`` listing all problems.
    public init(source: ConfigurationSource) throws(ConfigurationError) {
        var p = ConfigurationParser(source: source)
        databaseURL = p.databaseURL()
        dataDirectory = p.string("POLYBOT_DATA_DIR")
        migrationsDirectory = p.optional("POLYBOT_MIGRATIONS_DIR")
        host = p.string("POLYBOT_HOST")
        port = p.int("POLYBOT_PORT", in: 0...65535)
        mode = p.choice("POLYBOT_MODE", RunMode.self) ?? .paper
        logFormat = p.choice("POLYBOT_LOG_FORMAT", LogFormat.self) ?? .human
        logLevel = p.string("POLYBOT_LOG_LEVEL")
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) {
            p.problem(
                "POLYBOT_LOG_LEVEL: must be trace, debug, info, notice, warning, error or critical, not \"\(logLevel)\""
            )
        }
        whaleMinNotional = p.money("POLYBOT_WHALE_MIN_NOTIONAL", min: .zero, max: Limits.maxNotional)
        consensusWindowHours = p.int("POLYBOT_CONSENSUS_WINDOW_HOURS", in: 1...168)
        consensusRatioBps = p.ratioBps("POLYBOT_CONSENSUS_MIN_RATIO", minBps: 5001, maxBps: 10000)
        consensusMinMembers = p.int("POLYBOT_CONSENSUS_MIN_MEMBERS", in: 1...1000)
        consensusMinUpside = p.money("POLYBOT_CONSENSUS_MIN_UPSIDE", min: .zero, max: .one)
        sizingMode = p.choice("POLYBOT_SIZING_MODE", SizingMode.self) ?? .kelly
        kellyFractionBps = p.ratioBps("POLYBOT_KELLY_FRACTION", minBps: 1, maxBps: 10000)
        fixedOrder = p.money("POLYBOT_FIXED_ORDER_USDC", min: Micros(1), max: Limits.maxOrder)
        proportionalBps = p.ratioBps("POLYBOT_PROPORTIONAL_RATIO", minBps: 1, maxBps: 10000)
        startingEquity = p.money("POLYBOT_STARTING_EQUITY_USDC", min: Micros(1), max: Limits.maxEquity)
        riskMaxPositionBps = p.percentBps("POLYBOT_RISK_MAX_POSITION_PCT")
        riskMaxPositionsPerEvent = p.int("POLYBOT_RISK_MAX_POSITIONS_PER_EVENT", in: 1...100)
        riskMaxSlippage = p.money("POLYBOT_RISK_MAX_SLIPPAGE", min: .zero, max: .one)
        riskDailyLossStopBps = p.percentBps("POLYBOT_RISK_DAILY_LOSS_STOP_PCT")
        riskMaxExposure = p.money("POLYBOT_RISK_MAX_EXPOSURE_USDC", min: .zero, max: Limits.maxEquity)
        riskMaxOrdersPerMinute = p.int("POLYBOT_RISK_MAX_ORDERS_PER_MINUTE", in: 1...10_000)
        copyDelaySeconds = p.int("POLYBOT_COPY_DELAY_SECONDS", in: 0...3_600)
        orderLifetimeSeconds = p.int("POLYBOT_ORDER_LIFETIME_SECONDS", in: 61...86_400)
        tapeParticipationBps = p.percentBps("POLYBOT_TAPE_PARTICIPATION_PCT")
        approvalTTLSeconds = p.int("POLYBOT_APPROVAL_TTL_SECONDS", in: 10...86_400)
        approveLive = p.flag("POLYBOT_APPROVE_LIVE")
        takeProfitBps = p.optional("POLYBOT_TAKE_PROFIT_PCT").flatMap {
            $0 == "off" ? nil : p.percentBps("POLYBOT_TAKE_PROFIT_PCT")
        }
        stopLossBps = p.optional("POLYBOT_STOP_LOSS_PCT").flatMap {
            $0 == "off" ? nil : p.percentBps("POLYBOT_STOP_LOSS_PCT")
        }
        mirrorWhaleSells = p.flag("POLYBOT_MIRROR_WHALE_SELLS")
        cooldownAfterStopHours = p.int("POLYBOT_COOLDOWN_AFTER_STOP_HOURS", in: 0...720)
        markSeconds = p.int("POLYBOT_MARK_SECONDS", in: 1...3_600)
        redeemSeconds = p.int("POLYBOT_REDEEM_EVERY_SECONDS", in: 1...86_400)
        autoRedeemGraceSeconds = p.int("POLYBOT_AUTO_REDEEM_GRACE_SECONDS", in: 0...604_800)
        feedEnabled = p.flag("POLYBOT_FEED")
        rtdsURL = p.url("POLYBOT_RTDS_URL", schemes: ["ws", "wss"])
        dataAPIURL = p.url("POLYBOT_DATA_API_URL", schemes: ["http", "https"])
        gammaURL = p.url("POLYBOT_GAMMA_URL", schemes: ["http", "https"])
        clobURL = p.url("POLYBOT_CLOB_URL", schemes: ["http", "https"])
        clobWSURL = p.url("POLYBOT_CLOB_WS_URL", schemes: ["ws", "wss"])
        polygonRPCURL = p.optional("POLYBOT_POLYGON_RPC_URL").map { _ in
            p.url("POLYBOT_POLYGON_RPC_URL", schemes: ["http", "https"])
        }
        feeds = FeedSettings.parse(&p, feedEnabled: feedEnabled, polygonRPCURL: polygonRPCURL)
        let chain = p.int("POLYBOT_CHAIN_ID", in: 1...Int(Int32.max))
        chainId = UInt64(chain)
        if chain != 137 && chain != 80002 {
            p.problem("POLYBOT_CHAIN_ID: must be 137 (Polygon) or 80002 (Amoy), not \(chain)")
        }
        feedStallSeconds = p.int("POLYBOT_FEED_STALL_SECONDS", in: 1...3600)
        httpIdleSeconds = p.int("POLYBOT_HTTP_IDLE_SECONDS", in: 1...3600)
        dbQuerySeconds = p.int("POLYBOT_DB_QUERY_SECONDS", in: 1...300)
        feedSweepSeconds = p.int("POLYBOT_FEED_SWEEP_SECONDS", in: 0...3600)
        feedSweepWindowSeconds = p.int("POLYBOT_FEED_SWEEP_WINDOW_SECONDS", in: 60...86_400)
        rescoreAtUTC = p.string("POLYBOT_RESCORE_AT")
        rescoreEverySeconds = p.int("POLYBOT_RESCORE_EVERY_SECONDS", in: 0...86_400)
        marketCatalogSeconds = p.int("POLYBOT_MARKET_CATALOG_SECONDS", in: 1...3_600)
        if NightlyTime(rescoreAtUTC) == nil && rescoreAtUTC != "off" {
            p.problem(
                "POLYBOT_RESCORE_AT: must be HH:MM (UTC) or off (an external timer runs `polybot rescore`), not \"\(rescoreAtUTC)\""
            )
        }
        var sp = ScoringParameters()
        sp.minimumSample = p.int("POLYBOT_SCORE_MIN_SAMPLE", in: 1...10_000)
        sp.halfLifeSeconds = Double(p.int("POLYBOT_SCORE_HALF_LIFE_DAYS", in: 1...3650)) * 86_400
        sp.falseDiscoveryRate = Double(p.ratioBps("POLYBOT_CLASS_INFORMED_FDR", minBps: 1, maxBps: 5_000)) / 10_000
        sp.informedMinResolvedMarkets = p.int("POLYBOT_CLASS_INFORMED_MIN_MARKETS", in: 2...100_000)
        sp.informedLooks = p.int("POLYBOT_CLASS_INFORMED_LOOKS", in: 1...30)
        sp.informedMinEdge = Double(p.ratioBps("POLYBOT_CLASS_INFORMED_MIN_EDGE", minBps: 0, maxBps: 10_000)) / 10_000
        if p.optional("POLYBOT_CLASS_INFORMED_MIN_MARKOUT_1H") != nil {
            sp.informedMinMarkout1h =
                Double(p.ratioBps("POLYBOT_CLASS_INFORMED_MIN_MARKOUT_1H", minBps: -10_000, maxBps: 10_000)) / 10_000
        }
        sp.marketMakerTwoSidedShare =
            Double(p.ratioBps("POLYBOT_CLASS_MM_MIN_TWO_SIDED_SHARE", minBps: 0, maxBps: 10_000)) / 10_000
        sp.marketMakerMinMarkets = p.int("POLYBOT_CLASS_MM_MIN_MARKETS", in: 1...100_000)
        sp.botTradesPerActiveDay = Double(p.int("POLYBOT_CLASS_BOT_TRADES_PER_DAY", in: 1...1_000_000))
        sp.botClockShare = Double(p.ratioBps("POLYBOT_CLASS_BOT_CLOCK_SHARE", minBps: 0, maxBps: 10_000)) / 10_000
        sp.botPeriodicShare =
            Double(p.ratioBps("POLYBOT_CLASS_BOT_PERIODIC_SHARE", minBps: 0, maxBps: 10_000)) / 10_000
        scoringParameters = sp
        operatorPassword = p.secret("POLYBOT_OPERATOR_PASSWORD")
        if let pw = operatorPassword?.revealed, pw.count < 8 {
            p.problem("POLYBOT_OPERATOR_PASSWORD: at least 8 characters (value not shown)")
        }
        readOnlyToken = p.secret("POLYBOT_READONLY_TOKEN")
        if let t = readOnlyToken?.revealed, t.count < 16 {
            p.problem("POLYBOT_READONLY_TOKEN: at least 16 characters (value not shown)")
        }
        jwtSecret = p.secret("POLYBOT_JWT_SECRET")
        if let j = jwtSecret?.revealed, j.utf8.count < 32 {
            p.problem("POLYBOT_JWT_SECRET: at least 32 bytes (value not shown)")
        }
        dashboardDirectory = p.optional("POLYBOT_DASHBOARD_DIR")
        alertWebhookURL = p.optional("POLYBOT_ALERT_WEBHOOK_URL").map { _ in
            p.url("POLYBOT_ALERT_WEBHOOK_URL", schemes: ["http", "https"])
        }
        alertWebhookSecret = p.secret("POLYBOT_ALERT_WEBHOOK_SECRET")
        if alertWebhookURL != nil && alertWebhookSecret == nil {
            p.problem("POLYBOT_ALERT_WEBHOOK_URL needs POLYBOT_ALERT_WEBHOOK_SECRET (alerts are HMAC-signed)")
        }
        telegramBotToken = p.secret("POLYBOT_TELEGRAM_BOT_TOKEN")
        telegramChatId = p.optional("POLYBOT_TELEGRAM_CHAT_ID")
        if (telegramBotToken == nil) != (telegramChatId == nil) {
            p.problem("POLYBOT_TELEGRAM_BOT_TOKEN and POLYBOT_TELEGRAM_CHAT_ID go together")
        }
        telegramAPIURL = p.url("POLYBOT_TELEGRAM_API_URL", schemes: ["http", "https"])
        smtpHost = p.optional("POLYBOT_SMTP_HOST")
        smtpPort = p.int("POLYBOT_SMTP_PORT", in: 1...65535)
        alertEmailFrom = p.optional("POLYBOT_ALERT_EMAIL_FROM")
        alertEmailTo = (p.optional("POLYBOT_ALERT_EMAIL_TO") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        .filter { !$0.isEmpty }
        if smtpHost != nil && (alertEmailFrom == nil || alertEmailTo.isEmpty) {
            p.problem("POLYBOT_SMTP_HOST needs POLYBOT_ALERT_EMAIL_FROM and POLYBOT_ALERT_EMAIL_TO")
        }
        privateKey = p.secret("POLY_PRIVATE_KEY")
        apiKey = p.optional("POLY_API_KEY")
        apiSecret = p.secret("POLY_API_SECRET")
        passphrase = p.secret("POLY_PASSPHRASE")
        if let key = privateKey?.revealed,
            !Hex.isLowerHex(key.lowercased().hasPrefix("0x") ? key.lowercased() : "0x" + key.lowercased(), bytes: 32)
        {
            p.problem("POLY_PRIVATE_KEY: must be 32 bytes of hex (value not shown)")
        }
        let sigText = p.optional("POLY_SIGNATURE_TYPE") ?? "0"
        signatureType = UInt8(sigText).flatMap { $0 <= 3 ? $0 : nil } ?? 0
        if UInt8(sigText).flatMap({ $0 <= 3 ? $0 : nil }) == nil {
            p.problem("POLY_SIGNATURE_TYPE: 0 (EOA), 1 (proxy), 2 (Safe) or 3 (deposit wallet), not \(sigText)")
        }
        funder = p.optional("POLY_FUNDER").flatMap { text in
            guard let a = EthAddress(text) else {
                p.problem("POLY_FUNDER: not a 0x address")
                return nil
            }
            return a
        }
        if signatureType != 0 && funder == nil && (mode == .live || (mode == .approve && approveLive)) {
            p.problem(
                "POLY_SIGNATURE_TYPE=\(signatureType) needs POLY_FUNDER (the proxy, Safe or deposit wallet address)")
        }
        if signatureType == 0, let f = funder {
            p.problem("POLY_FUNDER=\(f) is set but POLY_SIGNATURE_TYPE=0 (EOA) signs and funds with the key itself")
        }
        builderCode = [UInt8](repeating: 0, count: 32)
        if let code = p.optional("POLY_BUILDER_CODE") {
            if let bytes = HexCoding.decode(code), bytes.count == 32 {
                builderCode = bytes
            } else {
                p.problem("POLY_BUILDER_CODE: must be 32 bytes of hex (0x + 64 digits)")
            }
        }
        ownerCredentials = nil
        let ownerParts = (
            p.optional("POLY_OWNER_ADDRESS"), p.optional("POLY_OWNER_API_KEY"), p.secret("POLY_OWNER_API_SECRET"),
            p.secret("POLY_OWNER_PASSPHRASE")
        )
        switch ownerParts {
        case (nil, nil, nil, nil): break
        case (let a?, let k?, let s?, let ph?):
            if let address = EthAddress(a) {
                ownerCredentials = (ApiCredentials(apiKey: k, secret: s.revealed, passphrase: ph.revealed), address)
            } else {
                p.problem("POLY_OWNER_ADDRESS: not a 0x address")
            }
        default:
            p.problem(
                "POLY_OWNER_ADDRESS, POLY_OWNER_API_KEY, POLY_OWNER_API_SECRET and POLY_OWNER_PASSPHRASE go together")
        }
        let geoblock = p.string("POLYBOT_GEOBLOCK_URL")
        geoblockURL = geoblock == "off" ? "" : geoblock
        venuePostOnlySeconds = Double(p.int("POLYBOT_VENUE_POST_ONLY_SECONDS", in: 0...3_600))
        let lowestRate = Micros(10_000)
        let highestRate = Micros(100_000 * Micros.scale)
        signerOrderRate = Double(p.money("POLYBOT_SIGNER_ORDER_RATE", min: lowestRate, max: highestRate).raw) / 1e6
        signerOrderBurst = p.int("POLYBOT_SIGNER_ORDER_BURST", in: 1...100_000)
        signerCancelRate = Double(p.money("POLYBOT_SIGNER_CANCEL_RATE", min: lowestRate, max: highestRate).raw) / 1e6
        signerCancelBurst = p.int("POLYBOT_SIGNER_CANCEL_BURST", in: 1...100_000)
        if mode == .live || (mode == .approve && approveLive) {
            var missing: [String] = []
            if privateKey == nil { missing.append("POLY_PRIVATE_KEY") }
            if apiKey == nil { missing.append("POLY_API_KEY") }
            if apiSecret == nil { missing.append("POLY_API_SECRET") }
            if passphrase == nil { missing.append("POLY_PASSPHRASE") }
            if !missing.isEmpty {
                p.problem(
                    "POLYBOT_MODE=\(mode.rawValue)\(mode == .approve ? " with POLYBOT_APPROVE_LIVE" : "") needs \(missing.joined(separator: ", ")) (run `polybot keys derive` for the API credentials)"
                )
            }
        }
        p.flagUnknownKeys()
        origins = source.origins
        self.source = source
        if !p.problems.isEmpty { throw ConfigurationError(problems: p.problems) }
    }

    /// Every setting as (key, shown value, origin); secrets are shown as `<redacted>` or `<unset>`.
    public func describedSettings(source: ConfigurationSource) -> [(key: String, value: String, origin: String)] {
        Key.defaults.map { key, fallback in
            let fileKey = key + "_FILE"
            let origin = source.origins[key] ?? source.origins[fileKey] ?? (fallback == nil ? "unset" : "default")
            let raw = source.values[key] ?? (source.values[fileKey].map { _ in "(file)" }) ?? fallback
            let shown: String
            if Key.secrets.contains(key) {
                shown = raw == nil ? "<unset>" : "<redacted>"
            } else if key == "DATABASE_URL" {
                shown = databaseURL.map { "\($0)" } ?? "<embedded: \(dataDirectory)/pg>"
            } else {
                shown = raw ?? "<unset>"
            }
            return (key, shown, origin)
        }
    }
}
