import AsyncAlgorithms
import Foundation
import Logging
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle
import Synchronization

/// Everything the pipeline is configured with.
package struct PipelineSettings: Sendable {
    package var mode: RunMode
    package var whaleRules: WhaleRules
    package var consensusRule: ConsensusRule
    package var sizingMode: SizingMode
    package var riskLimits: RiskLimits
    package var startingEquity: Micros
    package var exitRules: ExitRules
    /// Paper fills walk the book this long after detection (pipeline-clock time: market time in replay).
    package var copyDelay: Duration
    /// GTD lifetime of entries, seconds.
    package var orderLifetimeSeconds: Int64
    /// How long an intent waits for an operator in approve mode.
    package var approvalTimeToLive: Duration
    /// In approve mode, approved orders are signed and sent live (needs the live credentials).
    package var approveExecutesLive: Bool
    package var markEvery: Duration
    package var orderPollEvery: Duration
    package var feedStallTimeout: Duration
    package var rtdsURL: String?
    package var clobWSURL: String?
    /// Where a trading-state change that the database has not confirmed is kept across restarts (nil: memory only).
    package var pendingStateFile: String?
    /// Where whale trades come from: `.chain`, `.rtds`, `.dataAPI` (backfills and sweeps).
    package var feedSources: Set<TradeSource> = [.rtds, .dataAPI]
    /// The chain source's WebSocket (`eth_subscribe`; nil: it polls), and its confirmations.
    package var polygonWSURL: String?
    package var chainConfirmations: Int64 = 3
    /// How long a whale trade one source delivered may be missing from another before the divergence alarm.
    package var divergenceGraceSeconds: Int64 = 360
    /// Time between the listener's safety-net sweeps of the Data API (nil: none).
    package var feedSweepEvery: Duration? = .seconds(60)
    /// How far before the newest trade time a sweep reaches, seconds.
    package var feedSweepWindowSeconds: Int64 = 600
    /// Live: how often the funder's redeemable positions are read.
    package var redeemEvery: Duration = .seconds(60)
    /// Live: how long a resolved market is left to Polymarket's AutoRedeemer before Polybot redeems it itself.
    package var autoRedeemGraceSeconds: Int64 = 600

    /// Creates settings.
    package init(
        mode: RunMode, whaleRules: WhaleRules, consensusRule: ConsensusRule, sizingMode: SizingMode,
        riskLimits: RiskLimits,
        startingEquity: Micros, exitRules: ExitRules = ExitRules(), copyDelay: Duration = .seconds(2),
        orderLifetimeSeconds: Int64 = 300, approvalTimeToLive: Duration = .seconds(900),
        approveExecutesLive: Bool = false,
        markEvery: Duration = .seconds(30), orderPollEvery: Duration = .seconds(5),
        feedStallTimeout: Duration = .seconds(30),
        rtdsURL: String?, clobWSURL: String?
    ) {
        self.mode = mode
        self.whaleRules = whaleRules
        self.consensusRule = consensusRule
        self.sizingMode = sizingMode
        self.riskLimits = riskLimits
        self.startingEquity = startingEquity
        self.exitRules = exitRules
        self.copyDelay = copyDelay
        self.orderLifetimeSeconds = orderLifetimeSeconds
        self.approvalTimeToLive = approvalTimeToLive
        self.approveExecutesLive = approveExecutesLive
        self.markEvery = markEvery
        self.orderPollEvery = orderPollEvery
        self.feedStallTimeout = feedStallTimeout
        self.rtdsURL = rtdsURL
        self.clobWSURL = clobWSURL
    }
}

/// What live trading needs: the signing key, the L2 credentials and the exchange version's domain.
package struct LiveTrading: Sendable {
    package var key: PrivateKey
    package var credentials: ApiCredentials
    package var domain: ExchangeDomain
    /// How orders are signed: 0 EOA, 1 proxy, 2 Safe, 3 deposit wallet (POLY_1271).
    package var signatureType: SignatureType = .eoa
    /// The wallet that funds the orders (types 1–3).
    package var funder: EthAddress?
    /// The builder code stamped on every order (zero: none).
    package var builderCode: [UInt8] = [UInt8](repeating: 0, count: 32)
    /// Other L2 credentials Polybot holds (an owner key beside a session key): orders are reconciled under each.
    package var otherKeys: [(credentials: ApiCredentials, address: EthAddress)] = []
    /// Set when a startup check refuses entries (geoblocked, close-only): trading starts reduce-only with this reason.
    package var entriesRefused: String?
    /// How long the venue's post-only window after an engine restart lasts.
    package var postOnlySeconds: Double = 120
    /// Per-signer buckets for this key.
    package var signerLimits: SignerRateLimiter = SignerRateLimiter()

    /// Creates the live setup.
    package init(key: PrivateKey, credentials: ApiCredentials, domain: ExchangeDomain) {
        self.key = key
        self.credentials = credentials
        self.domain = domain
    }

    /// The order builder for this account.
    package func builder() throws(OrderBuildError) -> OrderBuilder {
        try OrderBuilder(
            key: key, domain: domain, signatureType: signatureType, funder: funder, builderCode: builderCode)
    }
}
