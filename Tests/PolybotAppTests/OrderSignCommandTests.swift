import Foundation
import PolybotApp
import PolybotCore
import Polymarket
import Testing

@Suite("polybot order sign")
struct OrderSignCommandTests {
    let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    let token = "71321045679252212594626385532706912750332728571942532289631379312455583992563"

    func config(_ env: [String: String]) throws -> AppConfiguration {
        try AppConfiguration(source: ConfigurationSource(environment: env))
    }

    func options() -> OrderSignCommand.Options {
        var o = OrderSignCommand.Options(
            tokenId: token, side: "BUY", price: "0.55", size: "100", amount: nil, tickSize: "0.01")
        o.salt = 123
        o.timestampMs = 1_767_225_600_123
        return o
    }

    @Test func bodySignatureRecoversToTheKeyAndHeadersFollowHMACRules() throws {
        let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAxMjM="
        let cfg = try config([
            "POLY_PRIVATE_KEY": key, "POLY_API_KEY": "11111111-2222-3333-4444-555555555555",
            "POLY_API_SECRET": secret, "POLY_PASSPHRASE": "phrase",
        ])
        var o = options()
        o.l2Timestamp = 1_767_225_601
        let out = try OrderSignCommand.run(o, config: cfg)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let body = try #require(json["body"] as? String)
        let digest = try #require(json["digest"] as? String)
        let headers = try #require(json["headers"] as? [String: String])

        // The body is exactly what gets signed and sent.
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let order = try #require(parsed["order"] as? [String: Any])
        #expect(parsed["owner"] as? String == "11111111-2222-3333-4444-555555555555")
        #expect(order["makerAmount"] as? String == "55000000" && order["takerAmount"] as? String == "100000000")
        #expect(order["salt"] as? Int == 123 && order["timestamp"] as? String == "1767225600123")

        // Recompute the digest independently from the body's fields, then recover the signer.
        let rebuilt = OrderV2(
            salt: 123, maker: EthAddress(order["maker"] as! String)!, signer: EthAddress(order["signer"] as! String)!,
            tokenId: order["tokenId"] as! String, makerAmount: 55_000_000, takerAmount: 100_000_000, side: .buy,
            signatureType: .eoa, timestampMs: 1_767_225_600_123, metadata: [UInt8](repeating: 0, count: 32),
            builder: [UInt8](repeating: 0, count: 32), expiration: 0)
        let expectedDigest = rebuilt.digest(domain: ExchangeDomain.forVersion(2, chainId: 137)!, negRisk: false)
        #expect(HexCoding.encode(expectedDigest) == digest)
        let signature = try #require(EthSignature(hex: order["signature"] as! String))
        let signer = try SignatureRecovery.signer(of: expectedDigest, signature: signature)
        #expect(signer.checksummed == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")

        // Headers: HMAC over timestamp + POST + /order + exact body.
        #expect(headers["POLY_TIMESTAMP"] == "1767225601")
        #expect(headers["POLY_ADDRESS"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        #expect(
            headers["POLY_API_KEY"] == "11111111-2222-3333-4444-555555555555" && headers["POLY_PASSPHRASE"] == "phrase")
        #expect(
            headers["POLY_SIGNATURE"]
                == (try L2Auth.signature(
                    secret: secret, timestamp: 1_767_225_601, method: "POST",
                    path: "/order", body: body)))
        #expect(!out.contains(secret) && !out.contains("ac0974bec3"))
    }

    @Test func withoutCredentialsThereAreNoHeaders() throws {
        let out = try OrderSignCommand.run(options(), config: try config(["POLY_PRIVATE_KEY": key]))
        #expect(!out.contains("headers"))
    }

    @Test func refusesWhatItCannotSignSafely() throws {
        let cfg = try config(["POLY_PRIVATE_KEY": key])
        var o = options()
        o.clobVersion = 1
        #expect(throws: OrderSignCommand.Failure.self) { try OrderSignCommand.run(o, config: cfg) }
        o = options()
        o.orderType = "FOK"
        // Market orders take --amount.
        #expect(throws: OrderSignCommand.Failure.self) { try OrderSignCommand.run(o, config: cfg) }
        o.size = nil
        o.amount = "25"
        let market = try OrderSignCommand.run(o, config: cfg)
        #expect(market.contains(#"\"orderType\":\"FOK\""#))
        // Sized to the balance after the fee, like the official client: $100 at 0.50 on a 0.04 / exponent 1 market
        // with $100.50 spends 100.50 − 2.00 = $98.50 (makerAmount 98500000); the fee must be stated.
        o.amount = "100"
        o.price = "0.5"
        o.balance = "100.5"
        #expect(throws: OrderSignCommand.Failure.self) { try OrderSignCommand.run(o, config: cfg) }
        o.feeRate = "0.04"
        o.feeExponent = 1
        let adjusted = try OrderSignCommand.run(o, config: cfg)
        #expect(adjusted.contains(#"\"makerAmount\":\"98500000\""#), "\(adjusted)")
        o.balance = "500"
        #expect(try OrderSignCommand.run(o, config: cfg).contains(#"\"makerAmount\":\"100000000\""#))
        #expect(throws: OrderSignCommand.Failure.self) { try OrderSignCommand.run(options(), config: try config([:])) }
    }
}
