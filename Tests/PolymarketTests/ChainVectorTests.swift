import PolybotCore
import Polymarket
import Testing

/// Issue 27: the pieces of an EOA's own redemption — RLP, a signed EIP-1559 transaction, the redemption calldata.
@Suite("Chain encoding vectors")
struct ChainVectorTests {
    @Test func rlpMatchesTheYellowPapersExamples() {
        // The Ethereum wiki's examples: "dog", ["cat","dog"], "", [], 0, 15, 1024.
        #expect(RLP.bytes(Array("dog".utf8)).encoded == [0x83, 0x64, 0x6f, 0x67])
        #expect(
            RLP.list([.bytes(Array("cat".utf8)), .bytes(Array("dog".utf8))]).encoded
                == [0xc8, 0x83, 0x63, 0x61, 0x74, 0x83, 0x64, 0x6f, 0x67])
        #expect(RLP.bytes([]).encoded == [0x80])
        #expect(RLP.list([]).encoded == [0xc0])
        #expect(RLP.uint(0).encoded == [0x80])
        #expect(RLP.uint(15).encoded == [0x0f])
        #expect(RLP.uint(1024).encoded == [0x82, 0x04, 0x00])
        let long = RLP.bytes(Array("Lorem ipsum dolor sit amet, consectetur adipisicing elit".utf8))
        #expect(long.encoded.prefix(2) == [0xb8, 0x38])
        #expect(RLP.decode(long.encoded) == long)
        #expect(RLP.decode([0xc8, 0x83, 0x63, 0x61, 0x74, 0x83, 0x64, 0x6f, 0x67])?.listValue?.count == 2)
        #expect(RLP.decode([0x83, 0x64, 0x6f]) == nil)
    }

    @Test func aSignedTransactionRecoversToItsSender() throws {
        let key = try PrivateKey(hex: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
        let call = try #require(Redemption.call(conditionId: "0x" + String(repeating: "ab", count: 32), negRisk: false))
        let tx = EIP1559Transaction(
            chainId: 137, nonce: 7, maxPriorityFeePerGas: 30_000_000_000, maxFeePerGas: 60_000_000_000, gas: 200_000,
            to: call.to, data: call.data)
        let raw = try tx.signed(with: key)
        let decoded = try #require(EIP1559Transaction.decode(raw: raw))
        #expect(decoded.tx == tx && decoded.sender == key.address)
        // One byte changed: not the same sender (or not a transaction at all).
        var tampered = raw
        tampered[20] ^= 0x01
        #expect(EIP1559Transaction.decode(raw: tampered)?.sender != key.address)
    }

    @Test func theRedemptionCallIsRedeemPositionsWithPUSDAndBothIndexSets() throws {
        let selector = Array(Keccak256.hash(Array("redeemPositions(address,bytes32,bytes32,uint256[])".utf8)).prefix(4))
        #expect(selector == [0x01, 0xb7, 0x03, 0x7c])
        let condition = "0x" + String(repeating: "cd", count: 32)
        let plain = try #require(Redemption.call(conditionId: condition, negRisk: false))
        let negRisk = try #require(Redemption.call(conditionId: condition, negRisk: true))
        #expect(plain.to == Redemption.ctfCollateralAdapter && negRisk.to == Redemption.negRiskCollateralAdapter)
        #expect(plain.data.count == 4 + 32 * 7 && Array(plain.data.prefix(4)) == selector)
        #expect(Array(plain.data[16..<36]) == PolygonRPC.Contracts.pUSD.bytes)
        #expect(HexCoding.encode(Array(plain.data[68..<100])) == condition)
        #expect(plain.data[131] == 0x80 && plain.data[163] == 2 && plain.data[195] == 1 && plain.data[227] == 2)
        #expect(Redemption.call(conditionId: "0x12", negRisk: false) == nil)
    }
}
