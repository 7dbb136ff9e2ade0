import Polymarket
import Testing

let testKeyHex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

/// Signing notes §1.5, §6.1 (L1 ClobAuth) and §2.3, §6.2, §8.5 (L2 HMAC).
@Suite("L1 and L2 authentication vectors")
struct AuthVectorTests {
    @Test(arguments: [
        (
            UInt64(80002), "10000000", UInt64(23),
            "0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b"
        ),
        (
            137, "10000000", 23,
            "0x1a7118db6100dfd8efd102be36f472b59475dcac56eb4c9a2a94748d3655ba7c3c89deb8c19ee79eceb0a531122fbfbe88ed118034f9d8212e2b725e7b296b9d1c"
        ),
        (
            137, "100000", 0,
            "0xfdfb5abf512e439ea61c8595c18e527e718bf16010acf57cef51d09e15893098275d3c6f73038f36ec0cd0ce55436fca14dc64b11611f4dce896e354207508cc1b"
        ),
    ])
    func clobAuthSignatures(chainId: UInt64, timestamp: String, nonce: UInt64, expected: String) throws {
        let key = try PrivateKey(hex: testKeyHex)
        let digest = ClobAuth.digest(address: key.address, timestamp: timestamp, nonce: nonce, chainId: chainId)
        #expect(try key.sign(digest: digest).description == expected)
    }

    @Test func clobAuthIntermediatesAndHeaders() throws {
        let key = try PrivateKey(hex: testKeyHex)
        #expect(
            HexCoding.encode(
                EIP712.domainSeparator(name: "ClobAuthDomain", version: "1", chainId: 80002, verifyingContract: nil))
                == "0xa1df8f4e3112eaee2448fbec9ab79f68278407e49d9cf52e3dd3d9692fcac9b6")
        #expect(
            HexCoding.encode(ClobAuth.digest(address: key.address, timestamp: "10000000", nonce: 23, chainId: 80002))
                == "0x8f442df8073c9cf2e36d7b20ca9d64d1a9352e982cc82a293b7de2df57920610")
        #expect(
            HexCoding.encode(ClobAuth.digest(address: key.address, timestamp: "10000000", nonce: 23, chainId: 137))
                == "0x577908bf2b712def8592d5078487f59ab9aa28b656e6fda011c8ac4333792037")
        let headers = Dictionary(
            uniqueKeysWithValues: try ClobAuth.headers(key: key, timestamp: 10_000_000, nonce: 23, chainId: 80002))
        #expect(headers["POLY_ADDRESS"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        #expect(headers["POLY_TIMESTAMP"] == "10000000" && headers["POLY_NONCE"] == "23")
        #expect(headers["POLY_SIGNATURE"]?.hasPrefix("0xf62319a9") == true)
    }

    static let zeroSecret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    static let v2Body =
        #"{"order":{"salt":479249096354,"maker":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","signer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","tokenId":"71321045679252212594626385532706912750332728571942532289631379312455583992563","makerAmount":"11782400","takerAmount":"21040000","side":"BUY","expiration":"0","signatureType":0,"timestamp":"1710000000000","metadata":"0x0000000000000000000000000000000000000000000000000000000000000000","builder":"0x0000000000000000000000000000000000000000000000000000000000000000","signature":"0xbe22dcae8bdbbedc588720605918c2bc6c556e19ff9c4089c706982b9202e0fe776c191f60767acd28e6420bce71edec0397c0b356458113130a37c5a0dd03501c"},"owner":"00000000-0000-0000-0000-000000000000","orderType":"GTC","deferExec":false,"postOnly":false}"#

    @Test(arguments: [
        (
            Int64(1_000_000), "test-sign", "/orders", #"{"hash": "0x123"}"#,
            "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc="
        ),
        (1_000_000, "GET", "/order", nil, "fBe-xXz0q8hWO7dVwXYL0VVBY3psQE5aj_uoE1hZt08="),
        (1_000_000, "GET", "/order", "", "fBe-xXz0q8hWO7dVwXYL0VVBY3psQE5aj_uoE1hZt08="),
        (1_000_000, "DELETE", "/order", #"{"orderID":"0xabc"}"#, "uDik2sJCld_MdoWGqIQRFT0bSHuSAKTNTd3PXcRDnws="),
        (
            1_700_000_000, "POST", "/order",
            #"{"order":{"salt":479249096354,"maker":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","signer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","taker":"0x0000000000000000000000000000000000000000","tokenId":"1234","makerAmount":"100000000","takerAmount":"50000000","expiration":"0","nonce":"0","feeRateBps":"100","side":"BUY","signatureType":0,"signature":"0x302cd9abd0b5fcaa202a344437ec0b6660da984e24ae9ad915a592a90facf5a51bb8a873cd8d270f070217fea1986531d5eec66f1162a81f66e026db653bf7ce1c"},"owner":"00000000-0000-0000-0000-000000000000","orderType":"GTC","postOnly":false}"#,
            "ffegkjsykef0_AgvGFL2vhXYTVI7K65hU9sVUX56auQ="
        ),
        (1_000_000, "test-sign", "/orders", #"{"hash":"0x123"}"#, "4gJVbox-R6XlDK4nlaicig0_ANVL1qdcahiL8CXfXLM="),
        (1, "GET", "/", nil, "eHaylCwqRSOa2LFD77Nt_SaTpbsxzN8eTEI3LryhEj4="),
        (1_700_000_000, "POST", "/order", v2Body, "iO393PKTXhM4H8ohN51QK31ZYhbVNNYsycJ0V7FITb8="),
    ])
    func hmacVectors(timestamp: Int64, method: String, path: String, body: String?, expected: String) throws {
        #expect(
            try L2Auth.signature(secret: Self.zeroSecret, timestamp: timestamp, method: method, path: path, body: body)
                == expected)
    }

    @Test(arguments: ["++/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "--_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
    func secretAlphabetsAgree(secret: String) throws {
        let a = try L2Auth.signature(
            secret: secret, timestamp: 1_000_000, method: "test-sign", path: "/orders", body: #"{"hash": "0x123"}"#)
        let b = try L2Auth.signature(
            secret: "++/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", timestamp: 1_000_000, method: "test-sign",
            path: "/orders", body: #"{"hash": "0x123"}"#)
        #expect(a == b)
    }

    @Test func junkInSecretIsIgnoredLikeTheTypeScriptClient() throws {
        #expect(
            try L2Auth.signature(
                secret: "AAAAAAAAA^^AAAAAAAA<>AAAAA||AAAAAAAAAAAAAAAAAAAAA=", timestamp: 1_000_000,
                method: "test-sign", path: "/orders", body: #"{"hash": "0x123"}"#)
                == "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc=")
        #expect(throws: HMACError.invalidSecret) {
            try L2Auth.signature(secret: "***", timestamp: 1, method: "GET", path: "/", body: nil)
        }
    }

    @Test func credentialsNeverPrintTheSecret() {
        let c = ApiCredentials(apiKey: "k", secret: "s3cr3t", passphrase: "p4ss")
        #expect(!"\(c)".contains("s3cr3t") && !"\(c)".contains("p4ss"))
    }
}
