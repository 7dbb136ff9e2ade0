import Foundation
import NIOCore
import PolybotCore
import PolybotStore

/// Everything the API reads and drives.
package struct APIEnvironment: Sendable {
    package var store: PolybotStore
    package var mode: RunMode
    package var startingEquity: Micros
    /// The operator's levers on the running pipeline (nil when the daemon runs without one, e.g. in API tests of read
    /// routes: the levers then answer 503).
    package var control: (any TradingControl)?
    /// What the dashboard reads of the running pipeline (nil: read from the database alone).
    package var status: (any PipelineStatus)?
    package var stream: EventStream
    package var signer: TokenSigner
    /// Checks the operator password (nil: login disabled).
    package var password: PasswordVerifier?
    package var readOnlyToken: String?
    /// The effective settings, secrets redacted: (key, value, origin).
    package var configView: @Sendable () -> [ConfigEntry]
    /// Silence (seconds) after which the feed counts as stalled.
    package var feedStallSeconds: Int
    /// REST calls to Polymarket so far: succeeded, failed, rate-limited.
    package var restStats: @Sendable () -> (ok: Int, failed: Int, rateLimited: Int) = { (0, 0, 0) }
    /// Password-guessing limits of the login route.
    package var logins = LoginGuard()
    package var loginAuditDedupe = LoginAuditDedupe()
    /// Single-use tickets for the event stream.
    package var tickets = StreamTickets()
    package var now: @Sendable () -> Int64
    /// Wallet profiles' bodies: at most 15 s old (up to 60 s while a rebuild runs), forgotten on any operator write
    /// (``audit(_:_:_:_:)``). A profile reads a dozen tables and re-scores the wallet's cluster.
    var profiles = RebuildingCache<Address, ByteBuffer>(capacity: 512)
    /// What the sizer spends per signal (fixed sizing): the stake a skipped signal is graded at.
    package var signalStake = Micros(50_000_000)
    /// Starts backtests on the stored history (nil: the API cannot start one; stored runs are still listed).
    package var backtests: BacktestControl?

    /// Creates the environment.
    package init(
        store: PolybotStore, mode: RunMode, startingEquity: Micros,
        pipeline: (any TradingControl & PipelineStatus)?, stream: EventStream,
        signer: TokenSigner,
        password: PasswordVerifier?, readOnlyToken: String?, configView: @escaping @Sendable () -> [ConfigEntry],
        feedStallSeconds: Int,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.mode = mode
        self.startingEquity = startingEquity
        self.control = pipeline
        self.status = pipeline
        self.stream = stream
        self.signer = signer
        self.password = password
        self.readOnlyToken = readOnlyToken
        self.configView = configView
        self.feedStallSeconds = feedStallSeconds
        self.now = now
    }

    /// Appends to the audit log as the operator. Every operator write is audited, and any may change what a profile
    /// shows (label, tracking, list status, baskets): the cached profiles are forgotten.
    func audit(_ role: Role?, _ action: String, _ target: String, _ details: [String: String] = [:]) async throws {
        await profiles.forgetAll()
        let data = (try? JSONEncoder().encode(details)) ?? Data("{}".utf8)
        try await store.audit.append(
            actor: role?.rawValue ?? "operator", action: action, target: target,
            details: String(decoding: data, as: UTF8.self))
    }
}

/// One effective setting.
package struct ConfigEntry: Codable, Sendable {
    package var key: String
    package var value: String
    package var origin: String

    /// Creates an entry.
    package init(key: String, value: String, origin: String) {
        self.key = key
        self.value = value
        self.origin = origin
    }
}
