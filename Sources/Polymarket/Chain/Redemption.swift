/// The call that redeems a resolved market's outcome tokens for pUSD (Polymarket's ts-sdk `ctfRedeemPositionsCall`,
/// docs `trading/ctf/redeem`, the ctf-exchange-v2 adapters): `redeemPositions(address collateral, bytes32
/// parentCollectionId, bytes32 conditionId, uint256[] indexSets)` (selector `0x01b7037c`) with pUSD, zero and `[1, 2]`,
/// on the CtfCollateralAdapter — the NegRiskCtfCollateralAdapter for a neg-risk market. The adapter takes the caller's
/// whole YES and NO balances (it needs `setApprovalForAll` on the CTF) and pays pUSD to the caller.
public enum Redemption {
    public static let ctfCollateralAdapter = EthAddress("0xAdA100Db00Ca00073811820692005400218FcE1f")!
    public static let negRiskCollateralAdapter = EthAddress("0xadA2005600Dec949baf300f4C6120000bDB6eAab")!

    /// The contract and calldata redeeming `conditionId` (32-byte hex).
    public static func call(conditionId: String, negRisk: Bool) -> (to: EthAddress, data: [UInt8])? {
        guard let condition = HexCoding.decode(conditionId), condition.count == 32 else { return nil }
        func word(_ v: UInt64) -> [UInt8] {
            [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: v.bigEndian, Array.init)
        }
        let data: [UInt8] =
            [0x01, 0xb7, 0x03, 0x7c] + [UInt8](repeating: 0, count: 12) + PolygonRPC.Contracts.pUSD.bytes
            + [UInt8](repeating: 0, count: 32) + condition + word(0x80) + word(2) + word(1) + word(2)
        return (negRisk ? negRiskCollateralAdapter : ctfCollateralAdapter, data)
    }
}
