import Crypto
import Foundation
import PolybotCore
import Polymarket
import Testing

/// Signing notes §6.3 (V1 orders, as EIP-712 machinery checks) and §8.6 (V2 orders and bodies).
@Suite("Order signing vectors")
struct OrderVectorTests {
    static let longToken = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
    let key = try! PrivateKey(hex: testKeyHex)
    let me = EthAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")!
    let zero32 = [UInt8](repeating: 0, count: 32)

    // MARK: V1 (legacy) — exercises the same EIP-712 encoder on the 12-field struct.

    struct V1: Sendable {
        var chain: UInt64, contract: String, salt: UInt64, maker: String, signer: String, taker: String, token: String
        var makerAmount: UInt64, takerAmount: UInt64, expiration: UInt64, nonce: UInt64, fee: UInt64, side: UInt64,
            sigType: UInt64
        var digest: String, signature: String
    }

    static let me = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    static let z = "0x0000000000000000000000000000000000000000"
    static let v1Vectors: [V1] = [
        V1(
            chain: 80002, contract: "0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40", salt: 479_249_096_354, maker: me,
            signer: me, taker: z, token: "1234",
            makerAmount: 100_000_000, takerAmount: 50_000_000, expiration: 0, nonce: 0, fee: 100, side: 0, sigType: 0,
            digest: "0x02ca1d1aa31103804173ad1acd70066cb6c1258a4be6dada055111f9a7ea4e55",
            signature:
                "0x302cd9abd0b5fcaa202a344437ec0b6660da984e24ae9ad915a592a90facf5a51bb8a873cd8d270f070217fea1986531d5eec66f1162a81f66e026db653bf7ce1c"
        ),
        V1(
            chain: 80002, contract: "0xC5d563A36AE78145C45a50134d48A1215220f80a", salt: 479_249_096_354, maker: me,
            signer: me, taker: z, token: "1234",
            makerAmount: 100_000_000, takerAmount: 50_000_000, expiration: 0, nonce: 0, fee: 100, side: 0, sigType: 0,
            digest: "0xf15790d3edc4b5aed427b0b543a9206fcf4b1a13dfed016d33bfb313076263b8",
            signature:
                "0x1b3646ef347e5bd144c65bd3357ba19c12c12abaeedae733cf8579bc51a2752c0454c3bc6b236957e393637982c769b8dc0706c0f5c399983d933850afd1cbcd1c"
        ),
        V1(
            chain: 137, contract: "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E", salt: 479_249_096_354, maker: me,
            signer: me, taker: z, token: "1234",
            makerAmount: 100_000_000, takerAmount: 50_000_000, expiration: 0, nonce: 0, fee: 100, side: 0, sigType: 0,
            digest: "0x46c2dec73dae47e86b5d589c084e6c54858d8f988db390421c8ec3a361fb78a2",
            signature:
                "0x6435b08e46470f66939b330ab21e67f599857708cfbcc084d60738369f53b813595926e177af917b73378f6b3c6ee854ff18037a26f2869b98a483089f60bea71b"
        ),
        V1(
            chain: 137, contract: "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E", salt: 479_249_096_354, maker: me,
            signer: me, taker: z, token: "1234",
            makerAmount: 50_000_000, takerAmount: 25_000_000, expiration: 0, nonce: 0, fee: 0, side: 1, sigType: 0,
            digest: "0x72fb7a1950a870d13061ea700e26e9262d926451e16551e3298a1b9f44b0e617",
            signature:
                "0xbdce39f592f365435f190af1a0631170d8b4b8517a77dda59f2bd2adb1ba66d2449816af2024b4a5d21dadee2833bc92d4d6c32618edd74d84d9562637bd92d71b"
        ),
        V1(
            chain: 137, contract: "0xC5d563A36AE78145C45a50134d48A1215220f80a", salt: 123_456_789, maker: me,
            signer: me, taker: z, token: longToken,
            makerAmount: 11_782_400, takerAmount: 21_040_000, expiration: 0, nonce: 0, fee: 0, side: 0, sigType: 0,
            digest: "0x4c9629cc0f7c566f9434677f0a2d4d11d94b2647b2c6137e6eced38455e6f407",
            signature:
                "0x10bbc01f0159679aed2545390af6bec2bf963edaa6125fe7d62ce728e16209b37b0fe5355382503e47f969c0d06676b9666d9e51647433f9a32c10785bd0b9631c"
        ),
        V1(
            chain: 137, contract: "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E", salt: 987_654_321,
            maker: "0x1111111111111111111111111111111111111111",
            signer: me, taker: z, token: longToken, makerAmount: 21_040_000, takerAmount: 11_782_400,
            expiration: 1_735_689_600, nonce: 0, fee: 0,
            side: 1, sigType: 2, digest: "0xb588f602e251a748b7fd564b2863535245a506f70708b813f67ae2de973a7829",
            signature:
                "0x5658bda0b31016e883dcf8b5e9ff59cdde9d133bbc4cedb2d7108496af15afa677d76e241235edfe83b68ab38f49c746bcb30f9ecd7ea8ee0fe4a6f34728fbc21c"
        ),
        V1(
            chain: 80002, contract: "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296", salt: 479_249_096_354, maker: me,
            signer: me, taker: z, token: "1234",
            makerAmount: 100_000_000, takerAmount: 50_000_000, expiration: 0, nonce: 0, fee: 100, side: 0, sigType: 0,
            digest: "0xe9b34ee0e5fea40ab21881a33367783bb4ac955efb4a711bc3a41743c7ae7e68",
            signature:
                "0x09cf08886c5c5724fe21587527fe5d5c63724fe33bc28df0dc786b45377ebff275ce0f071fa17fcfe9360699de179f6d2bf6b0f3e0589ebc605e047de2bee9431b"
        ),
        V1(
            chain: 137, contract: "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E", salt: 1,
            maker: "0x995c9b1f779c04e65AF8ea3360F96c43b5e62316",
            signer: me, taker: "0xf7fB45986800e2D259BAa25B56466bd02dA37a44", token: "123", makerAmount: 51_200_000,
            takerAmount: 100_000_000,
            expiration: 0, nonce: 2, fee: 0, side: 0, sigType: 1,
            digest: "0xacd220bde76823464bfea5a777f89797390d99711e52e12729d15b112c07524c",
            signature:
                "0xb89102a9ec11c3862d8dda7285419cef9c98543587cff4ecb06746ca9d68227e208059730490abee957b1b01da56705c60066f91d83d20e8cbf378592d3899441b"
        ),
        V1(
            chain: 137, contract: "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E", salt: 0, maker: z, signer: z, taker: z,
            token: "0",
            makerAmount: 0, takerAmount: 0, expiration: 0, nonce: 0, fee: 0, side: 0, sigType: 0,
            digest: "0x54c067fcb57613f2da09446f3380fce1537502897d11121c41e6ed19f40df286",
            signature:
                "0x0d18c04a653d89bf7375636adb7db69cffe362755960dc6ce8a0d46b04355b767958fae51c48e0e4b0908347442cb461e811d2f5a751303f7a8c1f75e17b3e701b"
        ),
    ]

    @Test(arguments: v1Vectors)
    func v1OrderDigestsAndSignatures(v: V1) throws {
        var e = EIP712.Encoder(
            typeHash: EIP712.typeHash(
                "Order(uint256 salt,address maker,address signer,address taker,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint256 expiration,uint256 nonce,uint256 feeRateBps,uint8 side,uint8 signatureType)"
            ))
        e.uint(v.salt)
        e.address(EthAddress(v.maker)!)
        e.address(EthAddress(v.signer)!)
        e.address(EthAddress(v.taker)!)
        e.uint256(UInt256Word(decimal: v.token)!)
        for n in [v.makerAmount, v.takerAmount, v.expiration, v.nonce, v.fee, v.side, v.sigType] { e.uint(n) }
        let domain = EIP712.domainSeparator(
            name: "Polymarket CTF Exchange", version: "1", chainId: v.chain,
            verifyingContract: EthAddress(v.contract))
        let digest = EIP712.digest(domainSeparator: domain, structHash: e.hash())
        #expect(HexCoding.encode(digest) == v.digest)
        #expect(try key.sign(digest: digest).description == v.signature)
    }

    // MARK: V2 (live)

    struct V2: Sendable {
        var id: String, chain: UInt64, negRisk: Bool, side: TradeSide, salt: UInt64, maker: String, token: String
        var makerAmount: Int64, takerAmount: Int64, sigType: SignatureType, timestamp: UInt64
        var structHash: String, digest: String, signature: String
    }

    static let v2Vectors: [V2] = [
        V2(
            id: "V2-A", chain: 80002, negRisk: false, side: .buy, salt: 479_249_096_354, maker: me, token: "1234",
            makerAmount: 100_000_000,
            takerAmount: 50_000_000, sigType: .eoa, timestamp: 1_710_000_000_000,
            structHash: "0xf6bf4212bfca4d6679afc2c54a54d814a91a6c7905de5ed193fe44f329c239f0",
            digest: "0x962c97b18bea292cc94b9479272aa74fb59a905e84a621a40eb339131e9fb6ba",
            signature:
                "0x518472f1b081f6bd713d638bb11d1bf0720ed577e93c52eb00ec9f5f325f7d510c65cbfdfe9130de2602185f4a500863d777d8b838cb28abc75ecc1b5330315d1c"
        ),
        V2(
            id: "V2-B", chain: 137, negRisk: false, side: .buy, salt: 479_249_096_354, maker: me, token: longToken,
            makerAmount: 11_782_400,
            takerAmount: 21_040_000, sigType: .eoa, timestamp: 1_710_000_000_000,
            structHash: "0x1a65a1ee2a8548cff0804d696725ba2de6df9a42cc5332280ae4c4a38cf1a299",
            digest: "0xdcf2d6453bc6e997192ae0fa65e13db7725e5f21b92762696c3a661a68e4f63f",
            signature:
                "0xbe22dcae8bdbbedc588720605918c2bc6c556e19ff9c4089c706982b9202e0fe776c191f60767acd28e6420bce71edec0397c0b356458113130a37c5a0dd03501c"
        ),
        V2(
            id: "V2-C", chain: 137, negRisk: false, side: .sell, salt: 123_456_789, maker: me, token: longToken,
            makerAmount: 21_040_000,
            takerAmount: 11_782_400, sigType: .eoa, timestamp: 1_780_449_126_930,
            structHash: "0x9bd5cd8a600e8fa747fad5e6fb4d3502fbfbf7c04079f9f475670a9221931bc2",
            digest: "0x72701f1a2dbea6e2246aeb91b2b924d87be125a994f462dc8ec9fd1f57f762a0",
            signature:
                "0x520fcd73fe5eed440a1ad2f0e8cf121d0a045766faeb05e34711faf1e9fcb5456f3c5a6dc1f905175cca5f8c32ba5fd637232cd2a1f20e4449df661e1ba0de1d1c"
        ),
        V2(
            id: "V2-D", chain: 137, negRisk: true, side: .buy, salt: 987_654_321, maker: me, token: longToken,
            makerAmount: 5_000_000,
            takerAmount: 10_000_000, sigType: .eoa, timestamp: 1_780_449_126_930,
            structHash: "0x20ba493ee9732bf54745eaa8f6d229f6ec65785c92936435442adbe316a76132",
            digest: "0x321293c955f743ef07e5338b5966f40cbfd882ce1e19d97d806ccbafd60a6005",
            signature:
                "0x605498d5932773c75244ee419553730c3ee51a338c5fe4873b854bf4f26cfd3f47335537f052a71adb7cc6f98b80edc68bf89770ab552e467d2f223012c394681c"
        ),
        V2(
            id: "V2-E", chain: 137, negRisk: false, side: .sell, salt: 42,
            maker: "0x1111111111111111111111111111111111111111", token: longToken,
            makerAmount: 10_000_000, takerAmount: 4_500_000, sigType: .polyGnosisSafe, timestamp: 1_780_449_126_930,
            structHash: "0x9e23c092e82406d743400a961c2f9a2f350d90b94a69e758ef9241da8fd4be82",
            digest: "0xcd2dfc23bf5b3adfa682665a39788c52e978c372576a4799c1185f0305f15b07",
            signature:
                "0x9ca11d12d9206ef77992b11d984aacee53d2d958de1cc571c4c020d7f0a73e182bf620b6b5e5e9f6d1e9c839000fbb0b03a063b2469d4089ffd0037f4d700ffe1b"
        ),
    ]

    @Test(arguments: v2Vectors)
    func v2OrderVectors(v: V2) throws {
        let domain = try #require(ExchangeDomain.forVersion(2, chainId: v.chain))
        let order = OrderV2(
            salt: v.salt, maker: EthAddress(v.maker)!, signer: me, tokenId: v.token, makerAmount: v.makerAmount,
            takerAmount: v.takerAmount, side: v.side, signatureType: v.sigType, timestampMs: v.timestamp,
            metadata: zero32, builder: zero32, expiration: 0)
        #expect(HexCoding.encode(order.structHash) == v.structHash, "\(v.id)")
        let digest = order.digest(domain: domain, negRisk: v.negRisk)
        #expect(HexCoding.encode(digest) == v.digest, "\(v.id)")
        #expect(try key.sign(digest: digest).description == v.signature, "\(v.id)")
    }

    @Test func v2DomainSeparators() throws {
        #expect(
            HexCoding.encode(ExchangeDomain.forVersion(2, chainId: 137)!.separator(negRisk: false))
                == "0x3264e159346253e26a64e00b69032db0e7d32f94628de3e6eecb50304d7af3d2")
        #expect(
            HexCoding.encode(ExchangeDomain.forVersion(2, chainId: 137)!.separator(negRisk: true))
                == "0x9b858f53327b0bd13af8ec14cfb35234fb9eb7b0504d1a4e61f433840d30e81a")
        #expect(
            HexCoding.encode(ExchangeDomain.forVersion(2, chainId: 80002)!.separator(negRisk: false))
                == "0xa440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148")
        #expect(ExchangeDomain.forVersion(1, chainId: 137) == nil)
        #expect(ExchangeDomain.forVersion(4, chainId: 137) == nil)
        #expect(ExchangeDomain.forVersion(2, chainId: 1) == nil)
    }

    @Test func v2BodyIsByteExact() throws {
        let domain = ExchangeDomain.forVersion(2, chainId: 137)!
        let builder = try OrderBuilder(key: key, domain: domain)
        let signed = try builder.build(
            OrderRequest(
                tokenId: Self.longToken, side: .buy, price: Micros(560_000), size: Micros(21_040_000),
                tickSize: .hundredth),
            salt: 479_249_096_354, timestampMs: 1_710_000_000_000, now: 1_709_999_000)
        let body = signed.postBody(owner: "00000000-0000-0000-0000-000000000000", orderType: .gtc)
        #expect(body == AuthVectorTests.v2Body)
        #expect(body.utf8.count == 760)
        let sha = SHA256.hash(data: Data(body.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(sha == "f8d0d97bdcbe1cc3117a8077577095af4e66360d612fa27495baa96a5e3f1444")
        #expect(HexCoding.encode(signed.digest) == "0xdcf2d6453bc6e997192ae0fa65e13db7725e5f21b92762696c3a661a68e4f63f")
        #expect(
            try SignatureRecovery.signer(of: signed.digest, signature: EthSignature(hex: signed.signature)!)
                == key.address)
    }

    @Test func poly1271EnvelopeVector() throws {
        let wallet = EthAddress("0x1111111111111111111111111111111111111111")!
        let builder = try OrderBuilder(
            key: key, domain: ExchangeDomain.forVersion(2, chainId: 80002)!, signatureType: .poly1271,
            funder: wallet)
        let signed = try builder.build(
            OrderRequest(
                tokenId: "1234", side: .buy, price: Micros(500_000), size: Micros(100_000_000), tickSize: .tenth),
            salt: 479_249_096_354, timestampMs: 1_710_000_000_000, now: 0)
        #expect(signed.order.makerAmount == 50_000_000 && signed.order.takerAmount == 100_000_000)
        // The repo vector's order has maker 100000000 / taker 50000000; sign that exact order through the envelope.
        var order = signed.order
        order.makerAmount = 100_000_000
        order.takerAmount = 50_000_000
        let envelope = try Poly1271Envelope.sign(
            order: order, domain: ExchangeDomain.forVersion(2, chainId: 80002)!, negRisk: false,
            owner: key)
        #expect(
            HexCoding.encode(envelope)
                == "0xa3a093c83b6c20c83355c16ce94c92e6e9fcbdeb840618cc74f6c57a42ad145b2b98db73d2c73cbf1f2b6af288566ae81960ddbc3a13921027358a8bff3be6ff1ca440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148d23d42d3ad94e65d78258cecaf8dcbaddac0f73dc085040f2c12bb595dd838044f726465722875696e743235362073616c742c61646472657373206d616b65722c61646472657373207369676e65722c75696e7432353620746f6b656e49642c75696e74323536206d616b6572416d6f756e742c75696e743235362074616b6572416d6f756e742c75696e743820736964652c75696e7438207369676e6174757265547970652c75696e743235362074696d657374616d702c62797465733332206d657461646174612c62797465733332206275696c6465722900ba"
        )
    }

    @Test func builderFailsClosed() throws {
        let builder = try OrderBuilder(key: key, domain: ExchangeDomain.forVersion(2, chainId: 137)!)
        func req(
            _ type: OrderType = .gtc, price: Int64 = 550_000, expiration: Int64? = nil, postOnly: Bool = false
        ) -> OrderRequest {
            OrderRequest(
                tokenId: "1234", side: .buy, price: Micros(price), size: Micros(10_000_000), orderType: type,
                tickSize: .hundredth,
                minimumSize: Micros(5_000_000), expiration: expiration, postOnly: postOnly)
        }
        #expect(throws: OrderBuildError.amounts(.priceOffTick(price: Micros(555_000), tick: .hundredth))) {
            try builder.build(req(price: 555_000), salt: 1, timestampMs: 1, now: 0)
        }
        #expect(throws: OrderBuildError.amounts(.priceOutOfRange(price: Micros(1_000_000), tick: .hundredth))) {
            try builder.build(req(price: 1_000_000), salt: 1, timestampMs: 1, now: 0)
        }
        #expect(throws: OrderBuildError.saltTooLarge(1 << 53)) {
            try builder.build(req(), salt: 1 << 53, timestampMs: 1, now: 0)
        }
        #expect(throws: OrderBuildError.expirationTooSoon(expiration: 1_059, earliest: 1_060)) {
            try builder.build(req(.gtd, expiration: 1_059), salt: 1, timestampMs: 1, now: 1_000)
        }
        #expect(throws: OrderBuildError.missingExpiration) {
            try builder.build(req(.gtd), salt: 1, timestampMs: 1, now: 0)
        }
        #expect(throws: OrderBuildError.expirationNotAllowed(.gtc)) {
            try builder.build(req(expiration: 5_000), salt: 1, timestampMs: 1, now: 0)
        }
        #expect(throws: OrderBuildError.postOnlyNotAllowed(.fok)) {
            try builder.build(req(.fok, postOnly: true), salt: 1, timestampMs: 1, now: 0)
        }
        var small = req()
        small.size = Micros(4_990_000)
        #expect(throws: OrderBuildError.amounts(.belowMinimumSize(size: Micros(4_990_000), minimum: Micros(5_000_000))))
        {
            try builder.build(small, salt: 1, timestampMs: 1, now: 0)
        }
        var badToken = req()
        badToken.tokenId = "0xabc"
        #expect(throws: OrderBuildError.invalidTokenId("0xabc")) {
            try builder.build(badToken, salt: 1, timestampMs: 1, now: 0)
        }
        let gtd = try builder.build(req(.gtd, expiration: 1_060), salt: 1, timestampMs: 1, now: 1_000)
        #expect(gtd.order.expiration == 1_060)
        #expect(throws: OrderBuildError.signerMismatch(maker: EthAddress.zero, signer: key.address)) {
            try OrderBuilder(key: key, domain: ExchangeDomain.forVersion(2, chainId: 137)!, funder: .zero)
        }
    }
}
