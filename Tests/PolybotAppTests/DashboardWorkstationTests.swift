import AsyncHTTPClient
import Foundation
import NIOHTTP1
import PolybotCore
import PolybotStore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Testing

/// The whale-intelligence pages in headless Chromium, on a demo-like run: three whales agree on three markets, the
/// pipeline copies them, the markets resolve on the simulated Gamma (time-gated), the market catalog and the
/// market-time rescoring pick that up, and a backtest is started from the page. Checks the DOM and writes a
/// screenshot of each page (1280 px, and the profile at phone width) to `.build/test-artifacts/`.
@Suite(
    "Dashboard workstation in a browser", .serialized, .tags(.spawnsProcesses),
    .enabled(if: WebDriver.runsHere, "needs chromium and chromium-driver (make deps installs them)"))
struct DashboardWorkstationTests {
    static let artifacts = DashboardBrowserTests.artifacts

    @Test func scoresChartsLedgerTitlesAndBacktestVerdict() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
            "no /usr/bin/chromedriver: make deps installs chromium and chromium-driver")
        try #require(
            FileManager.default.fileExists(atPath: "/usr/share/javascript/chart.js/chart.min.js"),
            "no Chart.js: make deps installs libjs-chart.js")
        let whales = (1...3).map { Fixtures.address(0xE0 + $0) }
        let start = Int64(Date().timeIntervalSince1970) - 3_000
        var history = Scenario.consensus(signals: 3, wallets: whales, start: start)
        // After the buys, a small trade far later: publishing it moves the venue's clock past the resolutions.
        var late = history[0]
        late.transactionHash = Fixtures.hex32(880_001)
        late.wallet = Fixtures.address(0xABD)
        late.size = Micros(10_000_000)
        late.timestamp = start + 2_000
        history.append(late)
        // Markets 0 and 2 resolve Yes (the whales' side), market 1 No, at start + 1,000.
        let resolutions = (0..<3).map { i in
            HistoryCatalog.Resolution(
                conditionId: Scenario.market(i), question: "Scenario \(i)?", eventSlug: "scenario-event-\(i)",
                yesToken: Scenario.token(i), noToken: String(72_000_000 + i), winningIndex: i == 1 ? 1 : 0,
                resolvedAt: start + 1_000)
        }
        let exchange = SimExchange(trades: history, resolutions: resolutions)
        let extra = [
            "POLYBOT_RESCORE_EVERY_SECONDS": "1", "POLYBOT_MARKET_CATALOG_SECONDS": "1",
            "POLYBOT_WHALE_MIN_NOTIONAL": "1",
        ]
        try await withDaemon(exchange: exchange, extra: extra) { d in
            let token = try await d.login()
            let b = try await d.json(.POST, "/api/v1/baskets", token: token, body: #"{"name":"trio"}"#)
            let basketId = b["id"] as? Int ?? 0
            for w in whales { _ = try await d.json(.PUT, "/api/v1/baskets/\(basketId)/members/\(w.hex)", token: token) }
            #expect(await eventually { await exchange.rtdsSubscribers > 0 })
            await exchange.publishNext(9)
            #expect(
                try await eventually {
                    try await d.store.positions.openPositions(mode: .paper).count == 3
                }, "three copied positions")
            await exchange.publishNext(1)
            // The catalog learns the resolutions from Gamma; the market-time rescoring then scores with them.
            #expect(
                try await eventually { try await d.store.markets.resolutions().count == 3 },
                "resolutions stored")
            #expect(
                try await eventually {
                    let s = try await d.store.scores.latest(whales[0])
                    return (s?.resolvedMarkets ?? 0) == 3
                }, "scores with the resolved markets")

            let (chromedriver, wdBase) = try await WebDriver.launchDriver(d.http, artifacts: Self.artifacts)
            defer {
                kill(chromedriver.processIdentifier, SIGKILL)
                chromedriver.waitUntilExit()
            }
            let web = try await WebDriver.start(d.http, base: wdBase)
            do {
                try await web.resize(width: 1280, height: 900)
                try await web.open(d.base + "/")
                #expect(try await web.until("return !document.getElementById('login').classList.contains('hidden')"))
                try await web.type("#password", Daemon.password)
                try await web.click("#login-form button")
                #expect(try await web.until("return document.body.dataset.ready === '1'"))
                #expect(try await web.until("return typeof Chart === 'function'"), "Chart.js loaded from the daemon")

                // Overview: charts drawn with axes; positions named by title, not by condition id.
                #expect(
                    try await web.until(
                        "return document.querySelectorAll('#positions tr').length === 3 && [...document.querySelectorAll('#positions .market')].every(e => e.textContent.startsWith('Scenario'))"
                    ), "positions show market titles")
                for chart in ["equity-chart", "pnl-chart", "exposure-chart"] {
                    #expect(
                        try await web.until(
                            "const c = Chart.getChart(document.getElementById('\(chart)')); return !!c && c.options.scales.x.title.display && c.options.scales.y.title.display && c.options.plugins.legend.display"
                        ), "\(chart) drawn with titled axes and a legend")
                }
                try await web.screenshot(to: Self.artifacts + "/workstation-overview.png")

                // Whales: every basket member has a score and a class.
                try await web.click("nav button[data-tab='whales']")
                #expect(
                    try await web.until(
                        // The whale directory is a cache rebuilt in the background: reload the table as a user would.
                        "if (!window.__w || Date.now() - window.__w > 2000) { window.__w = Date.now(); loadWhales(); } const r = [...document.querySelectorAll('#whale-rows tr')]; return r.length >= 3 && r.every(t => t.cells[2].textContent !== '–' && t.cells[3].textContent !== '–')"
                    ), "whales table shows scores and classes")
                try await web.screenshot(to: Self.artifacts + "/workstation-whales.png")

                // Leaderboard: scored wallets with edges and q-values; one click adds a wallet to a basket (audited).
                try await web.click("nav button[data-tab='leaderboard']")
                #expect(try await web.until("return document.querySelectorAll('#lb-rows tr').length >= 3"))
                let edges = try await web.script(
                    "return [...document.querySelectorAll('#lb-rows tr')].filter(t => t.cells[2].textContent !== '–').length"
                )
                #expect((edges as? Int ?? 0) >= 3, "edges shown: \(String(describing: edges))")
                try await web.screenshot(to: Self.artifacts + "/workstation-leaderboard.png")
                let outsider = Fixtures.address(0xABD).hex
                let leaderboardHasOutsider = try await web.script(
                    "return !!document.querySelector(\"#lb-rows tr[data-wallet='\(outsider)']\")")
                if leaderboardHasOutsider as? Bool == true {
                    try await web.click("#lb-rows tr[data-wallet='\(outsider)'] button[data-act='add']")
                    #expect(
                        try await web.until("return document.getElementById('lb-result').textContent.includes('added')")
                    )
                    let audit = try await d.store.audit.recent(limit: 20)
                    #expect(audit.contains { $0.action == "basket.member.add" && $0.details.contains(outsider) })
                }

                // Profile: score history, equity curve, calibration and heatmap drawn with data points.
                try await web.open(d.base + "/#whale/" + whales[0].hex)
                #expect(try await web.until("return document.body.dataset.profile === '\(whales[0].hex)'"))
                for chart in ["pf-calibration-chart", "pf-equity-chart", "pf-heatmap-chart", "pf-score-chart"] {
                    let drawn = try await web.until(
                        "const c = document.getElementById('\(chart)'); return !!Chart.getChart(c) && Number(c.dataset.points) > 0 && c.width > 0"
                    )
                    #expect(drawn, "\(chart) drawn with data points")
                }
                #expect(
                    try await web.until(
                        "return document.getElementById('pf-class').textContent.includes('resolvedMarkets')"),
                    "class basis shown")
                try await web.screenshot(to: Self.artifacts + "/workstation-profile.png")
                try await web.resize(width: 390, height: 844)
                #expect(try await web.until("return document.documentElement.clientWidth <= 400"))
                try await web.screenshot(to: Self.artifacts + "/workstation-profile-phone.png")
                try await web.resize(width: 1280, height: 900)

                // Signal ledger: graded rows (won and lost), titles instead of hashes.
                try await web.click("nav button[data-tab='ledger']")
                #expect(
                    try await web.until(
                        "const r = [...document.querySelectorAll('#ledger-rows tr')]; return r.length === 3 && r.every(t => t.dataset.graded === '1') && r.some(t => t.dataset.result === 'won') && r.some(t => t.dataset.result === 'lost')"
                    ), "three graded signals")
                let hashes = try await web.script(
                    "return [...document.querySelectorAll('[data-cid]')].filter(e => titleOf(e.dataset.cid) && /^0x[0-9a-f]{4}…/.test(e.textContent)).length"
                )
                #expect(hashes as? Int == 0, "no condition-id hash where a title is known")
                try await web.screenshot(to: Self.artifacts + "/workstation-ledger.png")

                // Backtest page: start one on the stored history and see its verdict.
                try await web.click("nav button[data-tab='backtests']")
                try await web.click("#bt-baselines")
                try await web.click("#bt-form button[type='submit']")
                #expect(
                    try await web.until(
                        "return document.getElementById('bt-verdict').textContent.length > 0 && !document.getElementById('bt-report').classList.contains('hidden')",
                        timeout: .seconds(120)), "a verdict is shown")
                let verdict = try await web.script("return document.getElementById('bt-verdict').textContent")
                #expect((verdict as? String ?? "").contains("edge"), "verdict: \(String(describing: verdict))")
                try await web.screenshot(to: Self.artifacts + "/workstation-backtest.png")

                let errors = try await web.consoleErrors()
                #expect(errors.isEmpty, "console errors: \(errors)")
            } catch {
                try? await web.screenshot(to: Self.artifacts + "/workstation-failure.png")
                await web.quit()
                throw error
            }
            await web.quit()
        }
    }
}
