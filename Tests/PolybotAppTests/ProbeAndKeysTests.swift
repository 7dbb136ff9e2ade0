import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import PolybotApp
import PolybotCore
import PolybotTestSupport
import Polymarket
import PolymarketSim
import Synchronization
import Testing

/// `polybot probe` and `polybot keys derive` against a loopback stand-in for every endpoint.
@Suite("probe and keys derive over loopback")
struct ProbeAndKeysTests {
    static let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

    /// Addresses whose L1 headers verified.
    final class Verified: Sendable {
        let addresses = Mutex<[String]>([])
    }

    static func json(_ s: String) -> Response { Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: s))) }

    func router(verifiedL1: Verified) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        let json = Self.json
        router.get("/trades") { _, _ in
            json(
                "["
                    + #"{"proxyWallet":"0x510f4963b66b1b18505faab74b0bb943d1dda43c","side":"BUY","asset":"1","conditionId":"0x1d8720896546460a48d4f7fd5b3f0705a8d427921222de498d1cd334d4890c52","size":1,"price":0.5,"timestamp":1,"transactionHash":"0xb6acf6859bc84216f4b3e2567fb392a2eae19d275340ad96ea17218ccfec27b7"}"#
                    + "]")
        }
        router.get("/markets") { _, _ in
            json(
                #"[{"id":"1","conditionId":"0xA467b14d51f01b957109d9cbb1d6c124fab2a089d52ed8f471d23c2812e743b7","outcomes":"[\"Yes\", \"No\"]","outcomePrices":"[\"1\", \"0\"]","clobTokenIds":"[\"11\", \"22\"]","closed":true,"umaResolutionStatus":"resolved","orderPriceMinTickSize":0.001}]"#
            )
        }
        router.get("/version") { _, _ in json(#"{"version":2}"#) }
        router.get("/price") { _, _ in json(#"{"price":"0.52"}"#) }
        router.get("/prices-history") { _, _ in json(#"{"history":[{"t":1,"p":0.5},{"t":61,"p":0.52}]}"#) }
        router.get("/markets-by-token/:token") { _, _ in
            json(#"{"condition_id":"0xa467b14d51f01b957109d9cbb1d6c124fab2a089d52ed8f471d23c2812e743b7"}"#)
        }
        router.get("/geo") { _, _ in json(#"{"blocked":false,"ip":"127.0.0.1","country":"IE","region":""}"#) }
        router.get("/time") { _, _ in json("100000") }
        router.post("/auth/api-key") { request, _ -> Response in
            // Verify the L1 headers the way the CLOB does: the signature must recover to POLY_ADDRESS.
            let h = request.headers
            guard let address = h[HTTPField.Name("POLY_ADDRESS")!], let sig = h[HTTPField.Name("POLY_SIGNATURE")!],
                let ts = h[HTTPField.Name("POLY_TIMESTAMP")!],
                let nonce = h[HTTPField.Name("POLY_NONCE")!].flatMap(UInt64.init),
                let signer = EthAddress(address), let signature = EthSignature(hex: sig),
                let recovered = try? SignatureRecovery.signer(
                    of: ClobAuth.digest(address: signer, timestamp: ts, nonce: nonce, chainId: 137),
                    signature: signature),
                recovered == signer
            else {
                return Response(
                    status: .unauthorized,
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":"Invalid L1 Request headers"}"#)))
            }
            verifiedL1.addresses.withLock { $0.append(address) }
            return json(#"{"apiKey":"11111111-2222-3333-4444-555555555555","secret":"c2VjcmV0","passphrase":"pp"}"#)
        }
        router.post("/rpc") { _, _ in
            json(
                #"{"jsonrpc":"2.0","id":1,"result":"0x00000000000000000000000000000000000000000000000000000000002a3c18"}"#
            )
        }
        router.ws("/ws") { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let t) = message, t == "PING" { try await outbound.write(.text("PONG")) }
            }
        }
        router.ws("/ws/market") { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let t) = message, t == "PING" { try await outbound.write(.text("PONG")) }
            }
        }
        return router
    }

    func config(port: Int) throws -> AppConfiguration {
        let base = "http://127.0.0.1:\(port)"
        return try AppConfiguration(
            source: ConfigurationSource(environment: [
                "POLYBOT_DATA_API_URL": base, "POLYBOT_GAMMA_URL": base, "POLYBOT_CLOB_URL": base,
                "POLYBOT_RTDS_URL": "ws://127.0.0.1:\(port)/ws", "POLYBOT_CLOB_WS_URL": "ws://127.0.0.1:\(port)/ws",
                "POLYBOT_POLYGON_RPC_URL": base + "/rpc", "POLY_PRIVATE_KEY": Self.key,
                "POLYBOT_GEOBLOCK_URL": base + "/geo",
            ]))
    }

    @Test func probeReportsEveryEndpoint() async throws {
        let verified = Verified()
        let checks = try await withLoopbackServer(router: router(verifiedL1: verified), webSocket: true) { port in
            // 30 s per check: on a loaded CI machine the first RTDS frame took 7.6 s.
            await ProbeCommand.run(
                config: try config(port: port), timeout: .seconds(30), logger: Logger(label: "test.probe"))
        }
        #expect(
            checks.map(\.name) == [
                "data-api /trades", "gamma /markets", "clob /version", "clob /time", "clob prices", "rtds",
                "clob ws market", "geoblock", "polygon rpc",
            ])
        #expect(checks.allSatisfy { $0.ok }, "\(checks.map { $0.line })")
        #expect(checks.first { $0.name == "clob /version" }?.detail == "version 2")
        #expect(checks.first { $0.name == "polygon rpc" }?.detail.contains("2.767896") == true)
        #expect(
            checks.first { $0.name == "clob prices" }?.detail.contains("/price 0.52, /prices-history 2 point(s)")
                == true)
    }

    /// Issue 17: against the simulator with an account, the probe reads the pricing endpoints, the geoblock answer and
    /// the account's pUSD balance and allowances (L2).
    @Test func probeReadsTheAccountAndTheNewEndpointsFromTheSimulator() async throws {
        let exchange = SimExchange(trades: generated(200))
        await exchange.publishNext(200)
        let checks = try await withSimulator(exchange) { base, ws in
            let key = try PrivateKey(hex: Self.key)
            let transport = HTTPTransport(logger: Logger(label: "test.probe"))
            defer { Task { try? await transport.shutdown() } }
            let creds = try await ClobClient(baseURL: base + "/clob", transport: transport).createOrDeriveApiKey(
                key: key, chainId: 137)
            let config = try AppConfiguration(
                source: ConfigurationSource(environment: [
                    "POLYBOT_DATA_API_URL": base + "/data-api", "POLYBOT_GAMMA_URL": base + "/gamma",
                    "POLYBOT_CLOB_URL": base + "/clob", "POLYBOT_RTDS_URL": ws + "/ws",
                    "POLYBOT_CLOB_WS_URL": ws + "/clob-ws", "POLYBOT_GEOBLOCK_URL": base + "/api/geoblock",
                    "POLY_PRIVATE_KEY": Self.key, "POLY_API_KEY": creds.apiKey, "POLY_API_SECRET": creds.secret,
                    "POLY_PASSPHRASE": creds.passphrase,
                ]))
            return await ProbeCommand.run(config: config, timeout: .seconds(30), logger: Logger(label: "test.probe"))
        }
        for name in ["clob prices", "geoblock", "clob account"] {
            let check = checks.first { $0.name == name }
            #expect(check?.ok == true, "\(check?.line ?? "\(name) missing")")
        }
        #expect(checks.first { $0.name == "clob account" }?.detail.contains("4 allowance(s)") == true)
        #expect(checks.first { $0.name == "geoblock" }?.detail.hasPrefix("allowed") == true)
    }

    @Test func keysDeriveSendsVerifiableL1Headers() async throws {
        let verified = Verified()
        let creds = try await withLoopbackServer(router: router(verifiedL1: verified)) { port in
            try await KeysCommand.derive(config: try config(port: port), nonce: 0, logger: Logger(label: "test.keys"))
        }
        #expect(creds.apiKey == "11111111-2222-3333-4444-555555555555" && creds.passphrase == "pp")
        #expect(verified.addresses.withLock { $0 } == ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"])
        #expect(KeysCommand.envFile(creds).contains("POLY_API_SECRET=c2VjcmV0"))
    }

    @Test func gammaDecodesJSONInStringFieldsOverHTTP() async throws {
        let verified = Verified()
        let markets = try await withLoopbackServer(router: router(verifiedL1: verified)) { port in
            let transport = HTTPTransport(logger: Logger(label: "test.gamma"))
            defer { Task { try? await transport.shutdown() } }
            return try await GammaClient(baseURL: "http://127.0.0.1:\(port)", transport: transport).markets(limit: 5)
        }
        #expect(markets.count == 1)
        #expect(markets[0].conditionId == "0xa467b14d51f01b957109d9cbb1d6c124fab2a089d52ed8f471d23c2812e743b7")
        #expect(
            markets[0].clobTokenIds == ["11", "22"] && markets[0].winningTokenId == "11"
                && markets[0].tickSize == TickSize.thousandth)
    }
}
