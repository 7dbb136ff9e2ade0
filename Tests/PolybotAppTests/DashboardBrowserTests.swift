import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PolybotCore
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import Testing

/// A minimal WebDriver client for chromedriver on loopback (W3C WebDriver JSON over HTTP).
struct WebDriver: Sendable {
    let base: String
    let session: String
    let http: HTTPClient

    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    static func post(_ http: HTTPClient, _ url: String, _ body: [String: Any]) async throws -> [String: Any] {
        var r = HTTPClientRequest(url: url)
        r.method = .POST
        r.headers.add(name: "Content-Type", value: "application/json")
        r.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        let res = try await http.execute(r, timeout: .seconds(60))
        let data = Data(buffer: try await res.body.collect(upTo: 32 << 20))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    static func start(_ http: HTTPClient, base: String) async throws -> WebDriver {
        let caps: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:loggingPrefs": ["browser": "ALL"],
                    "goog:chromeOptions": [
                        "binary": "/usr/bin/chromium",
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=1400,1100",
                        ],
                    ],
                ]
            ]
        ]
        let r = try await post(http, base + "/session", caps)
        guard let v = r["value"] as? [String: Any], let id = v["sessionId"] as? String else {
            throw HarnessError.status(0, "\(r)")
        }
        return WebDriver(base: base, session: id, http: http)
    }

    func call(_ method: NIOHTTP1.HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        var r = HTTPClientRequest(url: "\(base)/session/\(session)\(path)")
        r.method = method
        if let body {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        }
        let res = try await http.execute(r, timeout: .seconds(60))
        let data = Data(buffer: try await res.body.collect(upTo: 32 << 20))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["value"]
    }

    func open(_ url: String) async throws { _ = try await call(.POST, "/url", ["url": url]) }

    func element(_ css: String) async throws -> String {
        let v = try await call(.POST, "/element", ["using": "css selector", "value": css]) as? [String: Any]
        guard let id = v?[Self.elementKey] as? String else {
            throw HarnessError.status(0, "no element \(css): \(String(describing: v))")
        }
        return id
    }

    func type(_ css: String, _ text: String) async throws {
        _ = try await call(.POST, "/element/\(try await element(css))/value", ["text": text])
    }
    func click(_ css: String) async throws {
        _ = try await call(.POST, "/element/\(try await element(css))/click", [:])
    }
    func script(_ js: String) async throws -> Any? {
        try await call(.POST, "/execute/sync", ["script": js, "args": []])
    }

    /// Waits until `js` returns true.
    func until(_ js: String, timeout: Duration = .seconds(20)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await script(js)) as? Bool == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func screenshot(to path: String) async throws {
        guard let b64 = try await call(.GET, "/screenshot") as? String, let png = Data(base64Encoded: b64) else {
            return
        }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try png.write(to: URL(fileURLWithPath: path))
    }

    func quit() async { _ = try? await call(.DELETE, "") }

    /// The browser console's errors so far (`SEVERE` entries of chromedriver's browser log).
    func consoleErrors() async throws -> [String] {
        let entries = try await call(.POST, "/se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.filter { ($0["level"] as? String) == "SEVERE" }.map { $0["message"] as? String ?? "" }
    }

    /// Sets the window size (CSS pixels).
    func resize(width: Int, height: Int) async throws {
        _ = try await call(.POST, "/window/rect", ["width": width, "height": height])
    }

    /// Whether the browser suites run: chromedriver is installed, or this is CI (`CI` set, as `.ci/run` does), where a
    /// missing browser fails the tests instead of skipping them.
    static var runsHere: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    /// Starts chromedriver on a free loopback port (up to three attempts); the caller kills it with SIGKILL.
    static func launchDriver(_ http: HTTPClient, artifacts: String) async throws -> (Process, String) {
        // chromedriver refuses to start when its log folder is missing (a fresh clone has no .build/test-artifacts).
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        var driver = Process()
        var wdBase = ""
        var ready = false
        for attempt in 1...3 where !ready {
            let port = FreePort.find() ?? Int.random(in: 20_000...40_000)
            driver = Process()
            driver.executableURL = URL(fileURLWithPath: "/usr/bin/chromedriver")
            driver.arguments = [
                "--port=\(port)", "--allowed-ips=127.0.0.1",
                "--log-path=" + artifacts + "/chromedriver-\(attempt).log",
            ]
            driver.standardOutput = FileHandle.nullDevice
            driver.standardError = FileHandle.nullDevice
            try driver.run()
            wdBase = "http://127.0.0.1:\(port)"
            for _ in 0..<100 where !ready && driver.isRunning {
                ready =
                    ((try? await http.execute(
                        HTTPClientRequest(url: wdBase + "/status"), timeout: .milliseconds(500)))?.status == .ok)
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            if !ready {
                kill(driver.processIdentifier, SIGKILL)
                driver.waitUntilExit()
            }
        }
        guard ready else {
            kill(driver.processIdentifier, SIGKILL)
            driver.waitUntilExit()
            throw HarnessError.status(0, "chromedriver did not start")
        }
        return (driver, wdBase)
    }
}

/// The dashboard in headless Chromium against a running daemon and the simulator.
@Suite(
    "Dashboard in a browser", .serialized, .tags(.spawnsProcesses),
    .enabled(if: WebDriver.runsHere, "needs chromium and chromium-driver (make deps installs them)"))
struct DashboardBrowserTests {
    static let artifacts = SharedData.repositoryRoot.appendingPathComponent(".build/test-artifacts").path

    @Test func loginWhaleTableLiveTradePositionStallBannerAndBackfill() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
            "no /usr/bin/chromedriver: make deps installs chromium and chromium-driver")
        let whales = (1...3).map { Fixtures.address(0xF0 + $0) }
        // Trades "happen now", as on the live feed.
        let start = Int64(Date().timeIntervalSince1970)
        var history = Scenario.consensus(signals: 3, wallets: whales, start: start)
        // Small trades by someone else after them: the firehose that keeps flowing once the feed is back.
        for i in 0..<40 {
            var t = history[8]
            t.transactionHash = Fixtures.hex32(700_000 + i)
            t.wallet = Fixtures.address(0xABC)
            t.size = Micros(100_000_000)
            t.timestamp = start + 20 + Int64(i)
            history.append(t)
        }
        let exchange = SimExchange(trades: history)
        try await withDaemon(exchange: exchange) { d in
            let token = try await d.login()
            let b = try await d.json(.POST, "/api/v1/baskets", token: token, body: #"{"name":"trio"}"#)
            for w in whales {
                _ = try await d.json(.PUT, "/api/v1/baskets/\(b["id"] as? Int ?? 0)/members/\(w.hex)", token: token)
            }
            #expect(await eventually { await exchange.rtdsSubscribers > 0 })

            let (chromedriver, wdBase) = try await WebDriver.launchDriver(d.http, artifacts: Self.artifacts)
            // SIGKILL: chromedriver ignores SIGTERM while it has a browser child, and waitUntilExit would hang.
            defer {
                kill(chromedriver.processIdentifier, SIGKILL)
                chromedriver.waitUntilExit()
            }
            let web = try await WebDriver.start(d.http, base: wdBase)
            do {
                // Log in through the form.
                try await web.open(d.base + "/")
                #expect(try await web.until("return !document.getElementById('login').classList.contains('hidden')"))
                try await web.type("#password", Daemon.password)
                try await web.click("#login-form button")
                #expect(try await web.until("return document.body.dataset.ready === '1'"))
                // The whale table has the basket's wallets.
                try await web.click("nav button[data-tab='whales']")
                #expect(try await web.until("return document.querySelectorAll('#whale-rows tr').length === 3"))
                // A live whale trade and, after the consensus, a position.
                try await web.click("nav button[data-tab='overview']")
                #expect(try await web.until("return document.getElementById('socket').textContent === 'connected'"))
                await exchange.publishNext(3)
                let live = try await web.until("return document.querySelectorAll('#live-trades tr').length >= 3")
                let diagnostics =
                    "stored \(try await d.store.trades.count()), socket \(String(describing: try await web.script("return document.getElementById('socket').textContent")))"
                #expect(live, "\(diagnostics)")
                #expect(try await web.until("return document.querySelectorAll('#positions tr').length === 1"))
                try await web.screenshot(to: Self.artifacts + "/dashboard.png")

                // The feed goes silent: the stall banner shows within the configured 3 s (plus a 2 s poll, plus slack
                // for a loaded machine), while the 12 s silence lasts.
                var f = SimFaults()
                f.stallSeconds = 12
                await exchange.setFaults(f)
                await exchange.publishNext(3)  // emitted during the stall: lost on the socket, kept by the Data API
                #expect(
                    try await web.until(
                        "return document.body.dataset.stalled === '1' && !document.getElementById('banner').classList.contains('hidden')",
                        timeout: .seconds(12)))
                try await web.screenshot(to: Self.artifacts + "/dashboard-stalled.png")
                // When the feed returns, the gap is backfilled: every whale trade the venue published is in the database.
                await exchange.setFaults(SimFaults())
                await exchange.publishNext(3)
                // Fresh frames clear the banner (the dashboard polls every 2 s; the stall limit is 3 s).
                let flow = Task {
                    while !Task.isCancelled, await exchange.publishNext(1) > 0 {
                        try await Task.sleep(for: .milliseconds(250))
                    }
                }
                defer { flow.cancel() }
                #expect(try await web.until("return document.body.dataset.stalled === '0'", timeout: .seconds(10)))
                let all = try await eventually { try await d.store.trades.count() == 9 }
                let stored = try await d.store.trades.count()
                #expect(all, "whale trades stored: \(stored) of 9")
                #expect(
                    try await web.until(
                        "return document.querySelectorAll('#positions tr').length === 3", timeout: .seconds(20)))
            } catch {
                try? await web.screenshot(to: Self.artifacts + "/dashboard-failure.png")
                await web.quit()
                throw error
            }
            await web.quit()
        }
    }
}
