import Foundation
import Logging
import PolybotAPI
import PolybotCore
import PolybotPipeline
import PolybotStore
import Synchronization

/// The operator's settings: which keys the dashboard may change, how a change is validated (exactly like the
/// environment, all problems at once), stored (with its audit entry, in one transaction) and applied to the running
/// pipeline without a restart.
package final class SettingsCentre: Sendable {
    /// Keys the operator may change at run time. Everything else (mode, URLs, secrets, storage) needs a restart.
    package static let editable: [String] = [
        "POLYBOT_WHALE_MIN_NOTIONAL", "POLYBOT_CONSENSUS_WINDOW_HOURS", "POLYBOT_CONSENSUS_MIN_RATIO",
        "POLYBOT_CONSENSUS_MIN_MEMBERS",
        "POLYBOT_CONSENSUS_MIN_UPSIDE", "POLYBOT_SIZING_MODE", "POLYBOT_KELLY_FRACTION", "POLYBOT_FIXED_ORDER_USDC",
        "POLYBOT_PROPORTIONAL_RATIO", "POLYBOT_RISK_MAX_POSITION_PCT", "POLYBOT_RISK_MAX_POSITIONS_PER_EVENT",
        "POLYBOT_RISK_MAX_SLIPPAGE",
        "POLYBOT_RISK_DAILY_LOSS_STOP_PCT", "POLYBOT_RISK_MAX_EXPOSURE_USDC", "POLYBOT_RISK_MAX_ORDERS_PER_MINUTE",
        "POLYBOT_TAKE_PROFIT_PCT",
        "POLYBOT_STOP_LOSS_PCT", "POLYBOT_COOLDOWN_AFTER_STOP_HOURS", "POLYBOT_MIRROR_WHALE_SELLS",
    ]

    private let config: Mutex<AppConfiguration>
    private let store: PolybotStore
    private let pipeline: Pipeline?
    private let logger: Logger

    /// Creates the centre over the effective configuration (stored settings already applied).
    package init(config: AppConfiguration, store: PolybotStore, pipeline: Pipeline?, logger: Logger) {
        self.config = Mutex(config)
        self.store = store
        self.pipeline = pipeline
        self.logger = logger
    }

    /// The effective configuration.
    package var current: AppConfiguration { config.withLock { $0 } }

    /// Applies the stored operator settings over a configuration read from the environment and file.
    ///
    /// - Throws: ``ConfigurationError`` when the stored settings no longer validate (the daemon refuses to start
    ///   rather than trade on settings nobody chose).
    package static func applyingStored(
        _ stored: [String: String], to config: AppConfiguration
    ) throws -> AppConfiguration {
        guard !stored.isEmpty else { return config }
        var source = config.source
        for (k, v) in stored where editable.contains(k) { source.operatorSetting(k, v) }
        do {
            return try AppConfiguration(source: source)
        } catch {
            let fromDashboard = stored.keys.filter { key in error.problems.contains { $0.hasPrefix(key) } }.sorted()
            guard !fromDashboard.isEmpty else { throw error }
            throw ConfigurationError(
                problems: error.problems + [
                    "stored from the dashboard: \(fromDashboard.joined(separator: ", ")) — `polybot config reset "
                        + "\(fromDashboard.joined(separator: " "))` removes \(fromDashboard.count == 1 ? "it" : "them")"
                ])
        }
    }

    /// The editable settings with their values and origins.
    package func entries() -> [ConfigEntry] {
        let c = current
        let described = Dictionary(uniqueKeysWithValues: c.describedSettings(source: c.source).map { ($0.key, $0) })
        return Self.editable.map { key in
            let d = described[key]
            return ConfigEntry(key: key, value: d?.value ?? "", origin: d?.origin ?? "default")
        }
    }

    /// Validates, stores, audits and applies changes.
    ///
    /// - Throws: ``SettingsRejected`` listing every problem (unknown or non-editable keys, invalid values).
    package func apply(_ changes: [String: String], actor: String) async throws -> [ConfigEntry] {
        let notEditable = changes.keys.filter { !Self.editable.contains($0) }.sorted()
        guard notEditable.isEmpty else {
            throw SettingsRejected(
                problems: notEditable.map {
                    "\($0): not a setting the dashboard can change (restart with it in the environment)"
                })
        }
        var source = current.source
        for (k, v) in changes { source.operatorSetting(k, v.trimmingCharacters(in: .whitespaces)) }
        let next: AppConfiguration
        do { next = try AppConfiguration(source: source) } catch { throw SettingsRejected(problems: error.problems) }
        let trimmed = changes.mapValues { $0.trimmingCharacters(in: .whitespaces) }
        let details = String(decoding: (try? JSONEncoder().encode(trimmed)) ?? Data("{}".utf8), as: UTF8.self)
        try await store.settings.save(trimmed, actor: actor, auditDetails: details)
        config.withLock { $0 = next }
        if let pipeline { await pipeline.apply(next.pipelineSettings()) }
        logger.notice(
            "settings changed",
            metadata: ["actor": "\(actor)", "keys": "\(trimmed.keys.sorted().joined(separator: ","))"])
        return entries()
    }

    /// The API's port onto this centre.
    package var control: SettingsControl {
        SettingsControl(
            current: { self.entries() }, apply: { changes, actor in try await self.apply(changes, actor: actor) })
    }
}

extension PolybotApp {
    /// Removes settings stored from the dashboard (`polybot config reset`), audited as `cli`. Works when the stored
    /// values no longer validate, which is when `serve` refuses to start and the dashboard cannot be used to fix them.
    ///
    /// - Returns: the keys that were stored and are now removed.
    public static func resetStoredSettings(
        _ keys: [String], config: AppConfiguration, logger: Logger
    ) async throws -> [String] {
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        return try await database.withClient(logger: logger) { client in
            try await PolybotStore(client: client, logger: logger).settings.reset(keys, actor: "cli")
        }
    }

    /// The configuration with the operator's stored settings applied, as `serve` would run it. Reads the database
    /// (starting the embedded cluster when there is no `DATABASE_URL`); when it cannot, returns the configuration
    /// as given and says why.
    public static func effectiveConfiguration(
        _ config: AppConfiguration, logger: Logger
    ) async -> (AppConfiguration, note: String?) {
        do {
            let database = try await DatabaseLifecycle.open(config, logger: logger)
            defer { database.close(logger: logger) }
            let stored = try await database.withClient(logger: logger) { client in
                try await PolybotStore(client: client, logger: logger).settings.all()
            }
            return (try SettingsCentre.applyingStored(stored, to: config), nil)
        } catch {
            return (config, "settings changed from the dashboard were not read (\(error))")
        }
    }
}
