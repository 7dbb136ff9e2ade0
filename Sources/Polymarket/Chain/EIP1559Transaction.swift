/// An EIP-1559 (type 2) Ethereum transaction: what an EOA funder sends to redeem its resolved positions itself.
/// Signed as `keccak256(0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data, []]))`.
public struct EIP1559Transaction: Sendable, Equatable {
    public var chainId: UInt64
    public var nonce: UInt64
    public var maxPriorityFeePerGas: UInt64
    public var maxFeePerGas: UInt64
    public var gas: UInt64
    public var to: EthAddress
    /// Wei sent (zero for a contract call of ours).
    public var value: UInt64 = 0
    public var data: [UInt8]

    /// Creates a transaction.
    public init(
        chainId: UInt64, nonce: UInt64, maxPriorityFeePerGas: UInt64, maxFeePerGas: UInt64, gas: UInt64,
        to: EthAddress, value: UInt64 = 0, data: [UInt8]
    ) {
        self.chainId = chainId
        self.nonce = nonce
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxFeePerGas = maxFeePerGas
        self.gas = gas
        self.to = to
        self.value = value
        self.data = data
    }

    private var fields: [RLP] {
        [
            .uint(chainId), .uint(nonce), .uint(maxPriorityFeePerGas), .uint(maxFeePerGas), .uint(gas),
            .bytes(to.bytes), .uint(value), .bytes(data), .list([]),
        ]
    }

    /// The digest the sender signs.
    public var signingHash: [UInt8] { Keccak256.hash([0x02] + RLP.list(fields).encoded) }

    /// The raw signed transaction (`eth_sendRawTransaction`'s argument); its keccak is the transaction hash.
    public func signed(with key: PrivateKey) throws(SigningError) -> [UInt8] {
        let sig = try key.sign(digest: signingHash)
        let r = Array(sig.compact[0..<32])
        let s = Array(sig.compact[32..<64])
        return [0x02] + RLP.list(fields + [.uint(UInt64(sig.recoveryId)), .word(r), .word(s)]).encoded
    }

    /// Reads a raw signed type-2 transaction and the address that signed it; nil when it is not one.
    public static func decode(raw: [UInt8]) -> (tx: EIP1559Transaction, sender: EthAddress)? {
        guard raw.first == 0x02, let items = RLP.decode(Array(raw.dropFirst()))?.listValue, items.count == 12,
            let chainId = items[0].uintValue,
            let nonce = items[1].uintValue,
            let tip = items[2].uintValue,
            let fee = items[3].uintValue,
            let gas = items[4].uintValue, let toBytes = items[5].bytesValue, let to = EthAddress(bytes: toBytes),
            let value = items[6].uintValue, let data = items[7].bytesValue,
            let y = items[9].uintValue, y <= 1,
            let r = items[10].bytesValue, let s = items[11].bytesValue, r.count <= 32, s.count <= 32
        else { return nil }
        let tx = EIP1559Transaction(
            chainId: chainId, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: fee, gas: gas, to: to,
            value: value, data: data)
        let compact = [UInt8](repeating: 0, count: 32 - r.count) + r + [UInt8](repeating: 0, count: 32 - s.count) + s
        guard
            let sender = try? SignatureRecovery.signer(
                of: tx.signingHash, signature: EthSignature(compact: compact, recoveryId: UInt8(y)))
        else { return nil }
        return (tx, sender)
    }
}
