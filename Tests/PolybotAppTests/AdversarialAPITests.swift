import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOHTTP1
import PolybotAPI
import PolybotCore
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import Testing

/// The API tried as an attacker and a careless operator would (issue 13, items 1, 11, 12). Requests go out byte for
/// byte (``RawHTTP``), so `//api/v1/x` reaches the server as sent. Before the fix, `PUT //api/v1/trading-state`
/// without a token answered 200 and halted trading, and `GET /index.html%00.png` served the dashboard as a PNG.
@Suite("Adversarial API", .serialized)
struct AdversarialAPITests {
    static let jwtSecret = "adversarial-test-jwt-secret-0123456789abcdef"
    let whales = (1...3).map { Fixtures.address(0xE0 + $0) }

    func exchange() -> SimExchange {
        SimExchange(
            trades: Scenario.consensus(signals: 1, wallets: whales, start: Int64(Date().timeIntervalSince1970) - 300))
    }

    /// Every route the router knows, with its path parameters filled in.
    func knownRoutes(_ d: Daemon) -> [(method: String, path: String, pattern: String)] {
        let env = APIEnvironment(
            store: d.store, mode: .paper, startingEquity: .one, pipeline: nil, stream: EventStream(), signer: .random(),
            password: nil, readOnlyToken: nil, configView: { [] }, feedStallSeconds: 30)
        let router = APIRouter.build(
            env: env,
            health: HealthController(
                readiness: { Readiness(database: true, pendingMigrations: []) },
                metrics: { [] }),
            dashboardFolder: nil, logger: Logger(label: "test.routes"))
        return router.routes.map { r in
            let pattern = r.path.description
            let path = pattern.replacingOccurrences(of: "{address}", with: Fixtures.address(1).hex)
                .replacingOccurrences(of: "{id}", with: "1")
            return (r.method.rawValue, path, pattern)
        }
    }

    static func base64URL(_ s: String) -> String {
        Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    /// A path in the spellings a router may fold into the same route.
    static func variants(_ path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        var out = [
            path, "/" + path, path + "/", path + "//", "/./" + parts.joined(separator: "/"),
            "/" + parts.joined(separator: "//"), path + "?x=1", "/" + parts[0] + "/../" + parts.joined(separator: "/"),
        ]
        if let last = parts.last, let c = last.first {
            out.append(path.dropLast(last.count) + String(format: "%%%02X", c.asciiValue ?? 0x2D) + last.dropFirst())
            out.append(path.uppercased())
        }
        return out
    }

    @Test func noRouteAnswersWithoutTheRightToken() async throws {
        try await withDaemon(exchange: exchange(), extra: ["POLYBOT_JWT_SECRET": Self.jwtSecret]) { d in
            let port = d.port
            let routes = knownRoutes(d)
            #expect(routes.count >= 30, "routes found: \(routes.count)")
            let now = Int64(Date().timeIntervalSince1970)
            let signer = TokenSigner(secret: Array(Self.jwtSecret.utf8))
            let bad: [(String, String)] = [
                ("forged", TokenSigner.random().issue(role: .operator_, now: now)),
                ("expired", signer.issue(role: .operator_, now: now - 13 * 3_600)),
                (
                    "alg none",
                    Self.base64URL(#"{"alg":"none","typ":"JWT"}"#) + "."
                        + Self.base64URL(#"{"sub":"polybot","role":"operator","iat":\#(now),"exp":\#(now + 3_600)}"#)
                        + "."
                ),
                ("tampered", signer.issue(role: .operator_, now: now).dropLast(2) + "xx"),
                ("empty", ""),
                ("read-only as JWT", Daemon.readOnly + "x"),
            ]
            for r in routes where !PublicRoutes.isPublic(r.pattern) {
                let body = r.method == "GET" || r.method == "DELETE" ? nil : #"{"state":"halted"}"#
                for v in Self.variants(r.path) {
                    let res = try await RawHTTP.send(port: port, method: r.method, target: v, body: body)
                    #expect(
                        !(200..<300).contains(res.status) && res.status < 500,
                        "\(r.method) \(v) without a token: \(res.status)")
                    if v == r.path || v == "/" + r.path || v == r.path + "/" {
                        #expect(res.status == 401, "\(r.method) \(v) without a token: \(res.status) (want 401)")
                    }
                }
                for (name, token) in bad {
                    let res = try await RawHTTP.send(
                        port: port, method: r.method, target: "/" + r.path,
                        headers: [("Authorization", "Bearer \(token)")],
                        body: body)
                    #expect(res.status == 401, "\(r.method) /\(r.path) with a \(name) token: \(res.status)")
                }
                if r.method != "GET" && r.method != "HEAD" {
                    let res = try await RawHTTP.send(
                        port: port, method: r.method, target: "/" + r.path,
                        headers: [("Authorization", "Bearer \(Daemon.readOnly)")], body: body)
                    #expect(res.status == 403, "\(r.method) /\(r.path) with the read-only token: \(res.status)")
                }
            }
            // The reported exploit, exactly: trading must still be active afterwards.
            let token = try await d.login()
            let exploit = try await RawHTTP.send(
                port: port, method: "PUT", target: "//api/v1/trading-state", body: #"{"state":"halted"}"#)
            #expect(exploit.status == 401)
            let state = try await d.json(.GET, "/api/v1/trading-state", token: token)
            #expect(state["state"] as? String != "halted")
            #expect(
                try await d.store.audit.recent(limit: 50).allSatisfy { !$0.action.hasPrefix("trading_state.halted") })
            // Public routes stay public, and nothing else is.
            #expect(try await RawHTTP.send(port: port, method: "GET", target: "/health").status == 200)
            #expect(try await RawHTTP.send(port: port, method: "GET", target: "//health").status == 200)
        }
    }

    @Test func badInputIsRefusedWithA400NeverA500() async throws {
        try await withDaemon(exchange: exchange()) { d in
            let port = d.port
            let token = try await d.login()
            let auth = [("Authorization", "Bearer \(token)")]
            let w = Fixtures.address(0x77).hex
            #expect(
                try await d.call(.POST, "/api/v1/whales", token: token, body: #"{"address":"\#(w)","label":"ok"}"#).0
                    == 201)
            let bodies: [(NIOHTTP1.HTTPMethod, String, String)] = [
                (.POST, "/api/v1/whales", #"{"address":"\#(Fixtures.address(0x78).hex)","label":"a\u0000b"}"#),
                (.POST, "/api/v1/whales", #"{"address":"\#(Fixtures.address(0x78).hex)","tags":["x\u0000"]}"#),
                (.POST, "/api/v1/whales", #"{"address":"\#(Fixtures.address(0x78).hex)","notes":"\u0000"}"#),
                (.PATCH, "/api/v1/whales/\(w)", #"{"label":"\u0000"}"#),
                (.PATCH, "/api/v1/whales/\(w)", #"{"notes":"n\u0000"}"#),
                (.POST, "/api/v1/baskets", #"{"name":"b\u0000"}"#),
                (.POST, "/api/v1/baskets", #"{"name":"b","category":"\u0000"}"#),
                (.PUT, "/api/v1/trading-state", #"{"state":"reduce_only","reason":"\u0000"}"#),
                (.POST, "/api/v1/cooldowns", #"{"scope":"wallet","value":"\#(w)","minutes":5,"reason":"r\u0000"}"#),
                (.POST, "/api/v1/approvals/1/reject", #"{"reason":"\u0000"}"#),
                (.PUT, "/api/v1/settings", #"{"POLYBOT_WHALE_MIN_NOTIONAL":"1\u0000"}"#),
                (.POST, "/api/v1/whales", #"{"address":1}"#),
                (.POST, "/api/v1/whales", #"{"address":"#),
                (.POST, "/api/v1/baskets", "[]"),
                (.PUT, "/api/v1/settings", #"{"POLYBOT_WHALE_MIN_NOTIONAL":5}"#),
            ]
            for (method, path, body) in bodies {
                let (status, text) = try await d.call(method, path, token: token, body: body)
                #expect(
                    (400..<500).contains(status),
                    "\(method) \(path) \(body): \(status) \(String(decoding: text, as: UTF8.self))")
                #expect(status != 401 && status != 403, "\(method) \(path): \(status)")
            }
            // Raw NUL bytes in a body.
            let raw = try await RawHTTP.send(
                port: port, method: "POST", target: "/api/v1/baskets", headers: auth, body: "{\"name\":\"a\u{0}\"}")
            #expect(raw.status == 400)
            // The dashboard behind a NUL byte: refused, never served as an image.
            for target in [
                "/index.html%00.png", "/index.html%00", "/%00", "/app.js%00.css", "/api/v1/whales%00",
                "/index.html%0a.png",
            ] {
                let res = try await RawHTTP.send(port: port, method: "GET", target: target)
                #expect(res.status == 400, "\(target): \(res.status)")
                #expect(res.headers["content-type"]?.contains("image") != true)
            }
            // SQL-looking and hostile query strings: answered, never a 500, tables intact.
            for target in [
                "/api/v1/whales?q=%27%20OR%201%3D1--", "/api/v1/whales?sort=address;DROP%20TABLE%20whales",
                "/api/v1/whales?class=%27",
                "/api/v1/trades?wallet=0x%27%20or%20%271%27%3D%271", "/api/v1/trades?limit=-1",
                "/api/v1/trades?before=abc",
                "/api/v1/signals?status=%27;DELETE%20FROM%20signals;--", "/api/v1/orders?status=filled%27",
                "/api/v1/whales?tag=%25",
                "/api/v1/audit?limit=1e9", "/api/v1/pnl/daily?days=99999999999999999999", "/api/v1/whales?q=100%",
                "/api/v1/whales?limit=%FF",
            ] {
                let res = try await RawHTTP.send(port: port, method: "GET", target: target, headers: auth)
                #expect(res.status < 500, "\(target): \(res.status)")
            }
            let detail = try await d.json(.GET, "/api/v1/whales/\(w)", token: token)
            #expect((detail["whale"] as? [String: Any])?["address"] as? String == w)
            // Size limits: a target over 8 KiB, a 100 KB body.
            let long = try await RawHTTP.send(
                port: port, method: "GET", target: "/api/v1/whales?q=" + String(repeating: "a", count: 9_000),
                headers: auth)
            #expect(long.status == 414, "long target: \(long.status)")
            #expect(
                try await d.call(
                    .POST, "/api/v1/whales", token: token,
                    body: #"{"label":"\#(String(repeating: "x", count: 100_000))"}"#
                ).0 == 413)
        }
    }

    @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
        try await withDaemon(exchange: exchange()) { d in
            for (method, target) in [
                ("GET", "/"), ("GET", "/app.js"), ("GET", "/health"), ("GET", "/api/v1/overview"), ("GET", "/nope"),
                ("POST", "/api/v1/login"), ("GET", "/%00"),
            ] {
                let res = try await RawHTTP.send(
                    port: d.port, method: method, target: target, body: method == "POST" ? "{}" : nil)
                #expect(res.headers["x-content-type-options"] == "nosniff", "\(target)")
                #expect(res.headers["x-frame-options"] == "DENY", "\(target)")
                let csp = res.headers["content-security-policy"] ?? ""
                #expect(
                    csp.contains("script-src 'self'") && !csp.contains("unsafe-inline")
                        && csp.contains("frame-ancestors 'none'"), "\(target)")
            }
            // The dashboard has no inline script for the policy to block.
            let html = try String(
                contentsOf: SharedData.repositoryRoot.appendingPathComponent("dashboard-static/index.html"),
                encoding: .utf8)
            #expect(!html.contains("<script>") && !html.contains("onclick=") && !html.contains("style=\""))
        }
    }

    @Test func loginIsThrottledCappedAndAudited() async throws {
        try await withDaemon(exchange: exchange()) { d in
            // An absurd password is refused before any hashing.
            let huge = String(repeating: "p", count: 65_000)
            #expect(try await d.call(.POST, "/api/v1/login", body: #"{"password":"\#(huge)"}"#).0 == 400)
            // Wrong guesses from one client: a 429 must come, however fast or slow the machine checks passwords (the
            // exact budget is pinned by LoginThrottleTests with an injected clock); no more than the burst plus what
            // refilled meanwhile gets through.
            let started = ContinuousClock.now
            var answered = 0
            var limited: RawHTTP.Response?
            for _ in 0..<40 where limited == nil {
                let r = try await RawHTTP.send(
                    port: d.port, method: "POST", target: "/api/v1/login", body: #"{"password":"wrong-guess"}"#)
                if r.status == 429 {
                    limited = r
                } else {
                    #expect(r.status == 401)
                    answered += 1
                }
            }
            let elapsed = Double((ContinuousClock.now - started).components.seconds) + 1
            let throttled = try #require(limited)
            #expect(Double(answered) <= 5 + elapsed / 12 + 1, "\(answered) guesses answered in \(elapsed) s")
            #expect(Int(throttled.headers["retry-after"] ?? "") ?? 0 >= 1)
            // The right password from the throttled client waits too.
            #expect(
                try await RawHTTP.send(
                    port: d.port, method: "POST", target: "/api/v1/login", body: #"{"password":"\#(Daemon.password)"}"#
                ).status == 429)
            #expect(
                try await d.store.audit.recent(limit: 20).contains {
                    $0.action == "login.throttled" && $0.target == "127.0.0.1"
                })
        }
    }

    @Test func theStreamNeedsASingleUseTicket() async throws {
        try await withDaemon(exchange: exchange()) { d in
            let token = try await d.login()
            func upgrade(_ target: String) async throws -> Int {
                let request =
                    "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                let r = try await RawHTTP.raw(port: d.port, bytes: Array(request.utf8))
                if r.status != 101 && r.status != 401 {
                    Issue.record("\(target): \(r.status) \(r.headers) \(r.body.prefix(300))")
                }
                return r.status
            }
            #expect(try await upgrade("/api/v1/stream") == 401)
            #expect(try await upgrade("//api/v1/stream") == 401)
            #expect(try await upgrade("/api/v1/stream?token=\(token)") == 401)  // tokens never travel in a URL
            #expect(try await upgrade("/api/v1/stream?ticket=nope") == 401)
            let ticket = try #require(
                try await d.json(.POST, "/api/v1/stream/ticket", token: token)["ticket"] as? String)
            #expect(try await upgrade("/api/v1/stream?ticket=\(ticket)&cursor=0") == 101)
            #expect(try await upgrade("/api/v1/stream?ticket=\(ticket)&cursor=0") == 401)  // used up
            #expect(try await d.call(.POST, "/api/v1/stream/ticket").0 == 401)
        }
    }
}

extension Daemon {
    /// The daemon's TCP port.
    var port: Int { Int(base.split(separator: ":").last ?? "") ?? 0 }
}
