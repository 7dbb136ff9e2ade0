/// L1 authentication: an EIP-712 `ClobAuth` signature proving control of the signer's key.
public enum ClobAuth {
    /// The constant message of the `ClobAuth` struct.
    public static let message = "This message attests that I control the given wallet"
    static let typeHash = EIP712.typeHash("ClobAuth(address address,string timestamp,uint256 nonce,string message)")

    /// The digest to sign for (address, timestamp, nonce) on a chain.
    public static func digest(address: EthAddress, timestamp: String, nonce: UInt64, chainId: UInt64) -> [UInt8] {
        var e = EIP712.Encoder(typeHash: typeHash)
        e.address(address)
        e.string(timestamp)
        e.uint(nonce)
        e.string(message)
        let domain = EIP712.domainSeparator(
            name: "ClobAuthDomain", version: "1", chainId: chainId, verifyingContract: nil)
        return EIP712.digest(domainSeparator: domain, structHash: e.hash())
    }

    /// The four L1 headers (`POLY_ADDRESS`, `POLY_SIGNATURE`, `POLY_TIMESTAMP`, `POLY_NONCE`).
    ///
    /// - Throws: ``SigningError`` when signing fails.
    public static func headers(
        key: PrivateKey, timestamp: Int64, nonce: UInt64 = 0, chainId: UInt64
    ) throws(SigningError)
        -> [(String, String)]
    {
        let ts = String(timestamp)
        let signature = try key.sign(
            digest: digest(address: key.address, timestamp: ts, nonce: nonce, chainId: chainId))
        return [
            ("POLY_ADDRESS", key.address.checksummed), ("POLY_SIGNATURE", signature.description),
            ("POLY_TIMESTAMP", ts), ("POLY_NONCE", String(nonce)),
        ]
    }
}
