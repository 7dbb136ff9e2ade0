import Foundation
import Logging
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
        settings.feedSources = feeds.sources
        settings.polygonWSURL = feeds.polygonWSURL
        settings.chainConfirmations = Int64(feeds.chainConfirmations)
        settings.divergenceGraceSeconds = Int64(feeds.divergenceGraceSeconds)
        settings.redeemEvery = .seconds(redeemSeconds)
        settings.autoRedeemGraceSeconds = Int64(autoRedeemGraceSeconds)
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

    /// The live setup: the key, the L2 credentials, the signing domain of the exchange version the CLOB reports
    /// (`/version`; an unknown version means nothing is signed), the account's signature type and funder, and the
    /// startup checks of ``LiveReadiness`` (balance, allowances, a deployed deposit wallet; geoblock and close-only
    /// refuse entries only).
    ///
    /// - Throws: ``LiveSetupError``.
    package func liveTrading(clob: ClobClient, logger: Logger) async throws -> LiveTrading {
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
        var live = LiveTrading(
            key: key, credentials: ApiCredentials(apiKey: apiKey, secret: secret, passphrase: passphrase),
            domain: domain)
        live.signatureType = SignatureType(rawValue: signatureType) ?? .eoa
        live.funder = funder
        live.builderCode = builderCode
        live.otherKeys = ownerCredentials.map { [$0] } ?? []
        live.postOnlySeconds = venuePostOnlySeconds
        live.signerLimits = SignerRateLimiter(
            orderRate: signerOrderRate, orderBurst: signerOrderBurst, cancelRate: signerCancelRate,
            cancelBurst: signerCancelBurst)
        do { _ = try live.builder() } catch { throw LiveSetupError.account("\(error)") }
        var authed = clob
        authed.auth = (live.credentials, key.address)
        let readiness = LiveReadiness(
            clob: authed,
            geoblock: geoblockURL.isEmpty ? nil : GeoblockClient(url: geoblockURL, transport: clob.transport),
            rpc: polygonRPCURL.map { PolygonRPC(url: $0, transport: clob.transport) }, logger: logger)
        live.entriesRefused = try await readiness.check(live)
        return live
    }
}

/// Why live trading cannot start (it fails closed: the daemon refuses to run).
public enum LiveSetupError: Error, CustomStringConvertible {
    case missingCredentials
    case versionUnavailable(String)
    case unknownVersion(Int)
    /// The signature type and funder do not make an account (e.g. type 1–3 without a funder).
    case account(String)
    /// A deposit wallet whose address has no code: counterfactual, not deployed yet.
    case counterfactualWallet(EthAddress)
    case balanceUnavailable(String)
    case noBalance(EthAddress)
    case noAllowance(EthAddress, [String])
    /// Outcome-token (ERC-1155) `setApprovalForAll` missing for these exchanges: every exit would be refused.
    case noOutcomeApproval(EthAddress, [String])
    /// The outcome-token approvals could not be read.
    case approvalUnavailable(String)

    public var description: String {
        switch self {
        case .missingCredentials:
            "live trading needs POLY_PRIVATE_KEY, POLY_API_KEY, POLY_API_SECRET and POLY_PASSPHRASE"
        case .versionUnavailable(let e): "the CLOB's /version could not be read (\(e)); nothing is signed without it"
        case .unknownVersion(let v):
            "the CLOB reports exchange version \(v), which this build cannot sign for; refusing to trade"
        case .account(let why): "the live account is not usable: \(why)"
        case .counterfactualWallet(let a):
            "deposit wallet \(a) is counterfactual (no contract deployed at it yet): deploy it (a first deposit through polymarket.com does) before trading live"
        case .balanceUnavailable(let e):
            "the pUSD balance and allowances could not be read from the CLOB (\(e)); refusing to trade without them"
        case .noBalance(let a): "the funder \(a) holds no pUSD: deposit before trading live"
        case .noAllowance(let a, let spenders):
            "the funder \(a) has not approved pUSD for \(spenders.joined(separator: ", ")): set the allowances (polymarket.com does on first trade) before trading live"
        case .noOutcomeApproval(let a, let exchanges):
            "the funder \(a) has no outcome-token (ERC-1155) approval (setApprovalForAll) for \(exchanges.joined(separator: ", ")): every exit would be refused; approve before trading live"
        case .approvalUnavailable(let e):
            "the outcome-token (ERC-1155) approvals could not be read (\(e)); refusing to trade without them"
        }
    }
}
