import Foundation
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket

extension AppConfiguration {
    /// The pipeline settings these settings describe; allow/deny lists come from the whales table.
    package func pipelineSettings(allow: Set<Address> = [], deny: Set<Address> = []) -> PipelineSettings {
        var limits = RiskLimits()
        limits.maxPositionBps = riskMaxPositionBps
        limits.maxPositionsPerEvent = riskMaxPositionsPerEvent
        limits.maxSlippage = riskMaxSlippage
        limits.dailyLossStopBps = riskDailyLossStopBps
        limits.maxExposure = riskMaxExposure
        limits.maxOrdersPerMinute = riskMaxOrdersPerMinute
        var rule = ConsensusRule()
        rule.windowSeconds = Int64(consensusWindowHours) * 3_600
        rule.ratioBps = consensusRatioBps
        rule.minMembers = consensusMinMembers
        rule.minUpside = consensusMinUpside
        let sizing: PolybotCore.SizingMode =
            switch sizingMode {
            case .kelly: .fractionalKelly(fractionBps: kellyFractionBps)
            case .fixed: .fixed(fixedOrder)
            case .proportional: .proportional(bps: proportionalBps)
            }
        var settings = PipelineSettings(
            mode: mode, whaleRules: WhaleRules(minNotional: whaleMinNotional, allow: allow, deny: deny),
            consensusRule: rule,
            sizingMode: sizing, riskLimits: limits, startingEquity: startingEquity,
            exitRules: ExitRules(
                takeProfitBps: takeProfitBps, stopLossBps: stopLossBps, mirrorWhaleSells: mirrorWhaleSells,
                cooldownAfterStopSeconds: Int64(cooldownAfterStopHours) * 3_600),
            copyDelay: .seconds(copyDelaySeconds),
            orderLifetimeSeconds: Int64(orderLifetimeSeconds),
            approvalTimeToLive: .seconds(approvalTTLSeconds), approveExecutesLive: approveLive,
            markEvery: .seconds(markSeconds),
            feedStallTimeout: .seconds(feedStallSeconds), rtdsURL: feedEnabled ? rtdsURL : nil, clobWSURL: clobWSURL)
        settings.pendingStateFile = pendingStateFilePath
        settings.feedSweepEvery = feedSweepSeconds > 0 ? .seconds(feedSweepSeconds) : nil
        settings.feedSweepWindowSeconds = Int64(feedSweepWindowSeconds)
        return settings
    }

    /// `POLYBOT_DATA_DIR/pending-trading-state-<mode>-<database>.json`: named after the database too, so two daemons
    /// (or test runs) on different databases never read each other's halt.
    package var pendingStateFilePath: String {
        let identity = databaseURL.map { "\($0.host):\($0.port)/\($0.database)" } ?? "embedded"
        return (dataDirectory as NSString).appendingPathComponent(
            "pending-trading-state-\(mode.rawValue)-\(EmbeddedPostgres.stableHash(identity)).json")
    }

    /// True when orders will be signed and sent.
    var tradesLive: Bool { mode == .live || (mode == .approve && approveLive) }

    /// The live setup: the key, the L2 credentials, and the signing domain of the exchange version the CLOB reports
    /// (`/version`); an unknown version means nothing is signed.
    ///
    /// - Throws: ``LiveSetupError``.
    func liveTrading(clob: ClobClient) async throws -> LiveTrading {
        guard let keyHex = privateKey?.revealed, let apiKey, let secret = apiSecret?.revealed,
            let passphrase = passphrase?.revealed
        else {
            throw LiveSetupError.missingCredentials
        }
        let key = try PrivateKey(hex: keyHex.hasPrefix("0x") ? keyHex : "0x" + keyHex)
        let version: Int
        do { version = try await clob.version() } catch { throw LiveSetupError.versionUnavailable("\(error)") }
        guard let domain = ExchangeDomain.forVersion(version, chainId: chainId) else {
            throw LiveSetupError.unknownVersion(version)
        }
        return LiveTrading(
            key: key, credentials: ApiCredentials(apiKey: apiKey, secret: secret, passphrase: passphrase),
            domain: domain)
    }
}

/// Why live trading cannot start (it fails closed: the daemon refuses to run).
public enum LiveSetupError: Error, CustomStringConvertible {
    case missingCredentials
    case versionUnavailable(String)
    case unknownVersion(Int)

    public var description: String {
        switch self {
        case .missingCredentials:
            "live trading needs POLY_PRIVATE_KEY, POLY_API_KEY, POLY_API_SECRET and POLY_PASSPHRASE"
        case .versionUnavailable(let e): "the CLOB's /version could not be read (\(e)); nothing is signed without it"
        case .unknownVersion(let v):
            "the CLOB reports exchange version \(v), which this build cannot sign for; refusing to trade"
        }
    }
}
