/// EIP-712 typed-data hashing for the structs Polymarket signs.
public enum EIP712 {
    /// keccak256 of a type string, e.g. `ClobAuth(address address,string timestamp,uint256 nonce,string message)`.
    public static func typeHash(_ typeString: String) -> [UInt8] { Keccak256.hash(Array(typeString.utf8)) }

    private static let domainWithContract = typeHash(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    private static let domainWithoutContract = typeHash("EIP712Domain(string name,string version,uint256 chainId)")

    /// The domain separator for {name, version, chainId[, verifyingContract]}.
    public static func domainSeparator(
        name: String, version: String, chainId: UInt64, verifyingContract: EthAddress?
    ) -> [UInt8] {
        var e = Encoder(typeHash: verifyingContract == nil ? domainWithoutContract : domainWithContract)
        e.string(name)
        e.string(version)
        e.uint(chainId)
        if let verifyingContract { e.address(verifyingContract) }
        return e.hash()
    }

    /// `keccak256(0x19 0x01 ‖ domainSeparator ‖ structHash)`.
    public static func digest(domainSeparator: [UInt8], structHash: [UInt8]) -> [UInt8] {
        Keccak256.hash([0x19, 0x01] + domainSeparator + structHash)
    }

    /// Builds `typeHash ‖ enc(field1) ‖ …` one 32-byte word at a time.
    public struct Encoder {
        private var buffer: [UInt8]

        /// Starts a struct with its type hash.
        public init(typeHash: [UInt8]) {
            buffer = typeHash
            buffer.reserveCapacity(32 * 13)
        }

        /// A `uint8`…`uint64` value as a left-padded word.
        public mutating func uint(_ v: UInt64) { buffer += UInt256Word(v).bytes }
        /// A `uint256` word.
        public mutating func uint256(_ w: UInt256Word) { buffer += w.bytes }
        /// An address: 12 zero bytes + 20 bytes.
        public mutating func address(_ a: EthAddress) { buffer += [UInt8](repeating: 0, count: 12) + a.bytes }
        /// A `string`: keccak256 of its UTF-8.
        public mutating func string(_ s: String) { buffer += Keccak256.hash(Array(s.utf8)) }
        /// A `bytes32` value as-is.
        public mutating func bytes32(_ b: [UInt8]) {
            precondition(b.count == 32, "bytes32 must be 32 bytes")
            buffer += b
        }
        /// A nested struct's hash.
        public mutating func word(_ b: [UInt8]) { bytes32(b) }

        /// The encoded bytes (type hash included).
        public var encoded: [UInt8] { buffer }
        /// keccak256 of the encoding: the struct hash.
        public func hash() -> [UInt8] { Keccak256.hash(buffer) }
    }
}
