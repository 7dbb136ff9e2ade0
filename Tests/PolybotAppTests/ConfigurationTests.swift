import Foundation
import PolybotApp
import PolybotCore
import PolybotStore
import Testing

@Suite("Configuration validation")
struct ConfigurationTests {
    func load(_ env: [String: String], file: String? = nil) throws(ConfigurationError) -> AppConfiguration {
        try AppConfiguration(source: ConfigurationSource(environment: env, file: file))
    }

    @Test func defaultsMatchTheDesign() throws {
        let c = try load([:])
        #expect(c.databaseURL == nil)
        #expect(c.host == "127.0.0.1" && c.port == 8080 && c.mode == .paper)
        #expect(c.whaleMinNotional == Micros(10_000_000_000))
        #expect(c.consensusRatioBps == 8000 && c.consensusMinUpside == Micros(50_000) && c.consensusWindowHours == 24)
        #expect(c.kellyFractionBps == 2500 && c.riskMaxPositionBps == 500 && c.riskDailyLossStopBps == 300)
        #expect(c.riskMaxSlippage == Micros(50_000) && c.riskMaxPositionsPerEvent == 2)
    }

    @Test func reportsEveryProblemAtOnce() {
        do {
            _ = try load([
                "POLYBOT_WHALE_MIN_NOTIONAL": "-5", "DATABASE_URL": "mysql//nope", "POLYBOT_PORT": "99999",
                "POLYBOT_MODE": "yolo", "POLYBOT_WHALE_MIN_NOTINAL": "1",
            ])
            Issue.record("must throw")
        } catch {
            let text = "\(error)"
            #expect(error.problems.count == 5)
            #expect(text.contains("POLYBOT_WHALE_MIN_NOTIONAL") && text.contains("negative"))
            #expect(text.contains("DATABASE_URL"))
            #expect(text.contains("POLYBOT_PORT"))
            #expect(text.contains("POLYBOT_MODE: must be one of paper, approve, live"))
            #expect(text.contains("POLYBOT_WHALE_MIN_NOTINAL: unknown setting"))
        }
    }

    /// Issue 13, item 2: `POLYBOT_FIXED_ORDER_USDC=9000000000000` was accepted and crashed the daemon at every signal;
    /// an empty value was accepted and silently replaced by the built-in default.
    @Test func moneySettingsHaveSaneRangesAndEmptyValuesAreRefused() throws {
        for (key, value) in [
            ("POLYBOT_FIXED_ORDER_USDC", "9000000000000"), ("POLYBOT_STARTING_EQUITY_USDC", "9000000000000"),
            ("POLYBOT_RISK_MAX_EXPOSURE_USDC", "1000000000.000001"), ("POLYBOT_WHALE_MIN_NOTIONAL", "100000000.5"),
        ] {
            do {
                _ = try load([key: value])
                Issue.record("\(key)=\(value) accepted")
            } catch {
                #expect(error.problems.contains { $0.hasPrefix(key) && $0.contains("must be ≤") }, "\(error)")
            }
        }
        for key in [
            "POLYBOT_FIXED_ORDER_USDC", "POLYBOT_MODE", "POLYBOT_TAKE_PROFIT_PCT", "POLY_API_KEY",
            "POLYBOT_OPERATOR_PASSWORD",
        ] {
            do {
                _ = try load([key: ""])
                Issue.record("\(key) empty accepted")
            } catch {
                #expect(error.problems.contains { $0.hasPrefix(key) && $0.contains("empty value") }, "\(error)")
            }
        }
        // The same rules hold for a file and for values the dashboard stores (the same validation path).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-\(UUID().uuidString).env")
        try "POLYBOT_FIXED_ORDER_USDC=\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: ConfigurationError.self) { try load([:], file: file.path) }
        var source = ConfigurationSource(environment: ["POLYBOT_FIXED_ORDER_USDC": "75"])
        source.operatorSetting("POLYBOT_FIXED_ORDER_USDC", "")
        #expect(throws: ConfigurationError.self) { try AppConfiguration(source: source) }
        // Take-profit and stop-loss are switched off with `off`, not with an empty value.
        #expect(try load(["POLYBOT_TAKE_PROFIT_PCT": "off"]).takeProfitBps == nil)
        #expect(try load(["POLYBOT_TAKE_PROFIT_PCT": "25"]).takeProfitBps == 2_500)
        #expect(try load(["POLYBOT_FIXED_ORDER_USDC": "1000000"]).fixedOrder == Micros(1_000_000_000_000))
    }

    /// A value stored from the dashboard before a range was tightened: the daemon refuses it (never trades on it) and
    /// says how to remove it.
    @Test func aStoredSettingThatNoLongerValidatesNamesTheWayOut() throws {
        let config = try load([:])
        do {
            _ = try SettingsCentre.applyingStored(["POLYBOT_FIXED_ORDER_USDC": "9000000000000"], to: config)
            Issue.record("accepted")
        } catch let error as ConfigurationError {
            #expect(error.problems.contains { $0.hasPrefix("POLYBOT_FIXED_ORDER_USDC: must be ≤") })
            #expect(error.problems.contains { $0.contains("polybot config reset POLYBOT_FIXED_ORDER_USDC") })
        }
    }

    @Test func liveModeNamesWhatIsMissing() {
        #expect(throws: ConfigurationError.self) { try load(["POLYBOT_MODE": "live", "POLY_API_KEY": "k"]) }
        do {
            _ = try load(["POLYBOT_MODE": "live", "POLY_API_KEY": "k"])
        } catch {
            #expect(
                error.problems == [
                    "POLYBOT_MODE=live needs POLY_PRIVATE_KEY, POLY_API_SECRET, POLY_PASSPHRASE (run `polybot keys derive` for the API credentials)"
                ])
        }
    }

    /// Issue 17: the account settings are checked together, every problem named.
    @Test func liveAccountSettingsAreValidated() throws {
        let live = [
            "POLYBOT_MODE": "live", "POLY_PRIVATE_KEY": String(repeating: "ab", count: 32), "POLY_API_KEY": "k",
            "POLY_API_SECRET": "s", "POLY_PASSPHRASE": "p",
        ]
        do {
            _ = try load(
                live.merging([
                    "POLY_SIGNATURE_TYPE": "3", "POLY_BUILDER_CODE": "0x1234", "POLY_OWNER_API_KEY": "only-this",
                ]) { $1 })
            Issue.record("accepted")
        } catch {
            #expect(error.problems.contains { $0.hasPrefix("POLY_SIGNATURE_TYPE=3 needs POLY_FUNDER") }, "\(error)")
            #expect(error.problems.contains { $0.hasPrefix("POLY_BUILDER_CODE: must be 32 bytes") })
            #expect(error.problems.contains { $0.contains("POLY_OWNER_API_KEY") && $0.contains("go together") })
        }
        #expect(throws: ConfigurationError.self) { try load(live.merging(["POLY_SIGNATURE_TYPE": "4"]) { $1 }) }
        #expect(throws: ConfigurationError.self) {
            try load(live.merging(["POLY_FUNDER": "0x" + String(repeating: "1", count: 40)]) { $1 })
        }
        let ok = try load(
            live.merging([
                "POLY_SIGNATURE_TYPE": "3", "POLY_FUNDER": "0x" + String(repeating: "1", count: 40),
                "POLY_BUILDER_CODE": "0x" + String(repeating: "0", count: 62) + "2a",
            ]) { $1 })
        #expect(ok.signatureType == 3 && ok.funder != nil && ok.builderCode.last == 0x2A)
        #expect(ok.geoblockURL == "https://polymarket.com/api/geoblock" && ok.venuePostOnlySeconds == 120)
        #expect(ok.signerOrderRate == 40 && ok.signerOrderBurst == 60)
    }

    @Test func secretsComeFromFilesAndNeverPrint() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = dir.appendingPathComponent("key").path
        let key = "0x" + String(repeating: "ab", count: 32)
        try (key + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        let source = ConfigurationSource(environment: [
            "POLY_PRIVATE_KEY_FILE": keyFile, "POLY_API_SECRET": "c2VjcmV0", "POLY_API_KEY": "key-id",
            "POLY_PASSPHRASE": "pass",
            "DATABASE_URL": "postgres://bot:hunter2@db.internal:5433/polybot?sslmode=disable",
        ])
        let c = try AppConfiguration(source: source)
        #expect(c.privateKey?.revealed == key)
        #expect("\(c.privateKey!)" == "<redacted>")
        let shown = c.describedSettings(source: source).map { "\($0.key)=\($0.value) \($0.origin)" }.joined(
            separator: "\n")
        #expect(
            !shown.contains("abab") && !shown.contains("c2VjcmV0") && !shown.contains("hunter2")
                && !shown.contains("pass\n"))
        #expect(shown.contains("POLY_PRIVATE_KEY=<redacted> env"))
        #expect(shown.contains("DATABASE_URL=postgres://bot:***@db.internal:5433/polybot?sslmode=disable env"))
        #expect(c.databaseURL?.port == 5433 && c.databaseURL?.password == "hunter2")
    }

    /// The container's way (deploy/.env.example): the database URL, which holds the password, from a secret file.
    @Test func theDatabaseURLComesFromAFileNamedInTheEnvironment() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("db-url-\(UUID().uuidString)").path
        try "postgres://polybot:s3cret@postgres:5432/polybot?sslmode=disable\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = ConfigurationSource(environment: ["DATABASE_URL_FILE": path])
        let c = try AppConfiguration(source: source)
        #expect(c.databaseURL?.host == "postgres" && c.databaseURL?.password == "s3cret")
        let shown = c.describedSettings(source: source).first { $0.key == "DATABASE_URL" }
        #expect(
            shown?.value == "postgres://polybot:***@postgres:5432/polybot?sslmode=disable" && shown?.origin == "env")
        // Both at once is a mistake, named.
        #expect(throws: ConfigurationError.self) {
            try AppConfiguration(
                source: ConfigurationSource(environment: [
                    "DATABASE_URL_FILE": path, "DATABASE_URL": "postgres://x@y/z",
                ]))
        }
    }

    @Test func fileValuesAreOverriddenByEnvironmentAndFlags() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-\(UUID().uuidString).env")
            .path
        try """
        # comment
        POLYBOT_PORT=9000
        export POLYBOT_HOST="0.0.0.0"
        POLYBOT_WHALE_MIN_NOTIONAL=25000
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var source = ConfigurationSource(environment: ["POLYBOT_PORT": "9100"], file: path)
        source.override("POLYBOT_MODE", "approve")
        let c = try AppConfiguration(source: source)
        #expect(c.port == 9100 && c.host == "0.0.0.0" && c.mode == .approve)
        #expect(c.whaleMinNotional == Micros(25_000_000_000))
        #expect(source.origins["POLYBOT_HOST"] == "file:\(path)" && source.origins["POLYBOT_MODE"] == "flag")
    }

    @Test(arguments: ["25:00", "3", "aa:bb"])
    func rejectsBadRescoreTimes(value: String) {
        #expect(throws: ConfigurationError.self) { try load(["POLYBOT_RESCORE_AT": value]) }
    }
}
