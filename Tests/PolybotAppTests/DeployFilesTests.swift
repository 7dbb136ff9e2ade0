import Foundation
import PolybotApp
import PolybotStore
import PolybotTestSupport
import Testing
import Yams

/// The deployment files parse and say what operators rely on. There is no Docker engine or compose plugin here: the
/// compose file is parsed as YAML instead of `docker compose config`. The unit files go through `systemd-analyze verify`
/// where it is installed, and are also read as INI for the keys that matter.
@Suite("Deployment files")
struct DeployFilesTests {
    static let deploy = SharedData.repositoryRoot.appendingPathComponent("deploy")
    func text(_ name: String) throws -> String {
        try String(contentsOf: Self.deploy.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func composeHasTheServicesHealthChecksAndVolumes() throws {
        let doc = try #require(try Yams.load(yaml: try text("docker-compose.yml")) as? [String: Any])
        let services = try #require(doc["services"] as? [String: Any])
        #expect(Set(services.keys) == ["postgres", "migrate", "polybot", "prometheus"])
        let polybot = try #require(services["polybot"] as? [String: Any])
        let health = try #require(polybot["healthcheck"] as? [String: Any])
        #expect((health["test"] as? [String])?.joined(separator: " ").contains("/health") == true)
        #expect((polybot["ports"] as? [String])?.allSatisfy { $0.hasPrefix("127.0.0.1:") } == true)
        let dependsOn = try #require(polybot["depends_on"] as? [String: Any])
        #expect((dependsOn["migrate"] as? [String: Any])?["condition"] as? String == "service_completed_successfully")
        #expect((services["migrate"] as? [String: Any])?["command"] as? [String] == ["migrate"])
        let postgres = try #require(services["postgres"] as? [String: Any])
        #expect(
            postgres["healthcheck"] != nil
                && (postgres["volumes"] as? [String])?.contains { $0.hasPrefix("pgdata:") } == true)
        #expect((doc["volumes"] as? [String: Any])?.keys.contains("pgdata") == true)
        // The scrape config reads the read-only token from a file.
        let prom = try #require(try Yams.load(yaml: try text("prometheus/prometheus.yml")) as? [String: Any])
        let job = try #require((prom["scrape_configs"] as? [[String: Any]])?.first)
        #expect((job["authorization"] as? [String: Any])?["credentials_file"] != nil)
    }

    /// The static shape of the Dockerfile; `make image-check` runs what its runtime stage holds.
    @Test func dockerfileRuntimeStageHoldsWhatTheBinaryNeeds() throws {
        var lines: [String] = []
        var current = ""
        for raw in try text("Dockerfile").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
                continue
            }
            current += line
            if !current.isEmpty { lines.append(current) }
            current = ""
        }
        let stages = lines.split(omittingEmptySubsequences: false) { $0.hasPrefix("FROM ") }.dropFirst()
        #expect(stages.count == 2)
        let build = try #require(stages.first)
        let runtime = try #require(stages.last)
        #expect(lines.filter { $0.hasPrefix("FROM ") }.last == "FROM debian:bookworm-slim")
        #expect(build.contains { $0.contains("swift build -c release --static-swift-stdlib --product polybot") })
        #expect(
            runtime.contains {
                $0.contains("apt-get install") && $0.contains("libsecp256k1-1") && $0.contains("curl")
                    && $0.contains("libjs-chart.js")
            }, "the runtime installs libsecp256k1, curl and the dashboard's Chart.js")
        #expect(runtime.contains { $0.hasPrefix("USER ") && $0 != "USER root" })
        // Every COPY source exists in the repository (or is the build stage's binary); the ENV paths and the
        // entry point name copied files.
        var destinations: [String] = []
        for line in runtime where line.hasPrefix("COPY ") {
            let words = line.split(separator: " ").map(String.init).filter { !$0.hasPrefix("--") }
            let (source, destination) = (words[1], words[2])
            if !line.contains("--from=build") {
                #expect(
                    FileManager.default.fileExists(
                        atPath: SharedData.repositoryRoot.appendingPathComponent(source).path), "\(source)")
            }
            destinations.append(destination)
        }
        #expect(
            Set(destinations) == ["/opt/polybot/polybot", "/opt/polybot/dashboard-static"])
        let env = runtime.filter { $0.hasPrefix("ENV ") }.joined(separator: " ")
        // The migrations are built into the binary: no folder copied, no setting needed.
        #expect(!env.contains("POLYBOT_MIGRATIONS_DIR"))
        #expect(env.contains("POLYBOT_DASHBOARD_DIR=/opt/polybot/dashboard-static"))
        #expect(runtime.contains("ENTRYPOINT [\"/opt/polybot/polybot\"]"))
        #expect(runtime.contains { $0.hasPrefix("HEALTHCHECK ") && $0.contains("/health") })
    }

    @Test func envExampleHasEverySettingAndNoSecret() throws {
        let env = try text(".env.example")
        let keys = try AppConfiguration(source: ConfigurationSource(environment: [:])).describedSettings(
            source: ConfigurationSource(environment: [:])
        )
        .map(\.key)
        for key in keys { #expect(env.contains(key), "\(key) missing from .env.example") }
        let secrets = [
            "POLY_PRIVATE_KEY", "POLY_API_SECRET", "POLY_PASSPHRASE", "POLYBOT_OPERATOR_PASSWORD",
            "POLYBOT_READONLY_TOKEN",
            "POLYBOT_JWT_SECRET", "POLYBOT_ALERT_WEBHOOK_SECRET", "POLYBOT_TELEGRAM_BOT_TOKEN",
        ]
        for line in env.split(separator: "\n") where !line.hasPrefix("#") {
            for s in secrets { #expect(!line.hasPrefix(s + "="), "a secret value in .env.example: \(line)") }
        }
    }

    /// `systemd-analyze verify` on the three units, in a scratch root that holds the host's system units and the built
    /// `polybot` at `/opt/polybot/polybot` (verify checks that the ExecStart binaries exist). Warnings such as an
    /// unknown key exit 0, so any output at all fails the test.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
            "systemd-analyze is not installed; systemdUnitsHaveTheirKeys checks the keys instead"))
    func systemdAnalyzeVerifiesTheUnits() throws {
        let fm = FileManager.default
        let binary = SharedData.repositoryRoot.appendingPathComponent(".build/debug/polybot").path
        try #require(fm.isExecutableFile(atPath: binary), "build polybot first (swift build --build-tests builds it)")
        let root = SharedData.repositoryRoot.appendingPathComponent(
            ".build/test-artifacts/systemd-root-\(UUID().uuidString)"
        ).path
        defer { try? fm.removeItem(atPath: root) }
        try fm.createDirectory(atPath: root + "/opt/polybot", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/etc/systemd/system", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/lib/systemd", withIntermediateDirectories: true)
        try fm.copyItem(atPath: "/lib/systemd/system", toPath: root + "/lib/systemd/system")
        // A hard link when the build folder shares the file system (it does here), a copy otherwise.
        do { try fm.linkItem(atPath: binary, toPath: root + "/opt/polybot/polybot") } catch {
            try fm.copyItem(atPath: binary, toPath: root + "/opt/polybot/polybot")
        }
        let units = ["polybot.service", "polybot-rescore.service", "polybot-rescore.timer"]
        for unit in units {
            try fm.copyItem(
                atPath: Self.deploy.appendingPathComponent(unit).path, toPath: root + "/etc/systemd/system/" + unit)
        }
        let result = try ShellCommand.run(
            ["systemd-analyze", "verify", "--root=\(root)"] + units.map { root + "/etc/systemd/system/" + $0 })
        #expect(
            result.status == 0 && result.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
            "\(result.output)")
    }

    @Test func systemdUnitsHaveTheirKeys() throws {
        func ini(_ name: String) throws -> [String: [String: String]] {
            var out: [String: [String: String]] = [:]
            var section = ""
            for raw in try text(name).split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                if line.hasPrefix("[") {
                    section = String(line.dropFirst().dropLast())
                    continue
                }
                let kv = line.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { out[section, default: [:]][kv[0]] = kv[1] }
            }
            return out
        }
        let service = try ini("polybot.service")
        #expect(
            service["Service"]?["ExecStart"] == "/opt/polybot/polybot serve" && service["Service"]?["User"] == "polybot"
        )
        #expect(
            service["Service"]?["ExecStartPre"]?.hasSuffix("migrate") == true
                && service["Service"]?["Restart"] == "on-failure")
        #expect(service["Install"]?["WantedBy"] == "multi-user.target")
        let rescore = try ini("polybot-rescore.service")
        #expect(
            rescore["Service"]?["Type"] == "oneshot"
                && rescore["Service"]?["ExecStart"] == "/opt/polybot/polybot rescore")
        let timer = try ini("polybot-rescore.timer")
        #expect(timer["Timer"]?["OnCalendar"] != nil && timer["Install"]?["WantedBy"] == "timers.target")
    }

    @Test func alertRulesAndDashboardUseMetricsTheCodeExports() throws {
        // Every metric label the code registers, as Prometheus names it (dots become underscores).
        var exported: Set<String> = ["up"]
        let sources = SharedData.repositoryRoot.appendingPathComponent("Sources")
        let files =
            FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }
            ?? []
        let pattern = try Regex(#"(?:Counter|Gauge|Timer)\(label: "([a-z_.]+)""#)
        for f in files where f.pathExtension == "swift" {
            let code = try String(contentsOf: f, encoding: .utf8)
            for m in code.matches(of: pattern) {
                if let name = m.output[1].substring { exported.insert(name.replacingOccurrences(of: ".", with: "_")) }
            }
        }
        let rules = try #require(try Yams.load(yaml: try text("prometheus/alerts.yml")) as? [String: Any])
        let group = try #require((rules["groups"] as? [[String: Any]])?.first?["rules"] as? [[String: Any]])
        var exprs = group.compactMap { $0["expr"] as? String }
        #expect(group.allSatisfy { ($0["annotations"] as? [String: Any])?["summary"] != nil && $0["alert"] != nil })
        let dashboard = try #require(
            try JSONSerialization.jsonObject(with: Data(try text("grafana/polybot.json").utf8)) as? [String: Any])
        for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
            exprs += (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        }
        let functions: Set<String> = [
            "rate", "increase", "sum", "by", "histogram_quantile", "or", "le", "stage", "source", "reason", "sink",
            "outcome", "job", "state", "max", "edge",
        ]
        let name = try Regex(#"[a-z_]+(?=[\[{)\s]|$)"#)
        for e in exprs {
            for m in e.matches(of: name) {
                let n = String(e[m.range])
                if functions.contains(n) || n.hasPrefix("hb_") { continue }
                let base = n.hasSuffix("_bucket") ? String(n.dropLast(7)) : n
                #expect(exported.contains(base), "\(n) in \(e) is not a metric the code exports")
            }
        }
    }
}
