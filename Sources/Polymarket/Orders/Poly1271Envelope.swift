/// The ERC-7739 `TypedDataSign` envelope used by POLY_1271 deposit wallets (signing notes §8.4).
public enum Poly1271Envelope {
    static let tdsTypeHash = EIP712.typeHash(
        "TypedDataSign(Order contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)"
            + OrderV2.typeString)

    /// The digest the owner (or a session key) signs: the `TypedDataSign` struct over the order, under the exchange's
    /// domain, naming the deposit wallet (`DepositWallet`, version "1") as the verifying account.
    public static func digest(order: OrderV2, domain: ExchangeDomain, negRisk: Bool) -> [UInt8] {
        var e = EIP712.Encoder(typeHash: tdsTypeHash)
        e.word(order.structHash)
        e.string("DepositWallet")
        e.string("1")
        e.uint(domain.chainId)
        e.address(order.signer)
        e.bytes32([UInt8](repeating: 0, count: 32))
        return EIP712.digest(domainSeparator: domain.separator(negRisk: negRisk), structHash: e.hash())
    }

    /// The wallet-owner-signed envelope: innerSig(65) ‖ domainSeparator(32) ‖ contentsHash(32) ‖ type string ‖ uint16 length.
    ///
    /// - Throws: ``SigningError``.
    public static func sign(
        order: OrderV2, domain: ExchangeDomain, negRisk: Bool, owner: PrivateKey
    ) throws(SigningError)
        -> [UInt8]
    {
        let contents = order.structHash
        let separator = domain.separator(negRisk: negRisk)
        let digest = Self.digest(order: order, domain: domain, negRisk: negRisk)
        let inner = try owner.sign(digest: digest)
        let typeBytes = Array(OrderV2.typeString.utf8)
        return inner.bytes + separator + contents + typeBytes + [
            UInt8(typeBytes.count >> 8), UInt8(typeBytes.count & 0xFF),
        ]
    }
}
