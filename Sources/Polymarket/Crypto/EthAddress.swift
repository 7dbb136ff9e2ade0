import PolybotCore

/// A 20-byte EVM address with its EIP-55 checksummed form.
public struct EthAddress: Hashable, Sendable, CustomStringConvertible {
    /// The 20 bytes.
    public let bytes: [UInt8]

    /// Wraps 20 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 20 else { return nil }
        self.bytes = bytes
    }

    /// Parses `0x` + 40 hex digits in any case (the checksum is not enforced; see ``isValidChecksum(_:)``).
    public init?(_ text: String) {
        guard text.utf8.count == 42, text.hasPrefix("0x"), let b = HexCoding.decode(text), b.count == 20 else {
            return nil
        }
        bytes = b
    }

    /// The all-zero address.
    public static let zero = EthAddress(bytes: [UInt8](repeating: 0, count: 20))!

    /// Lower-case `0x` hex.
    public var lowercased: String { HexCoding.encode(bytes) }

    /// The EIP-55 mixed-case form.
    public var checksummed: String {
        let hex = Array(HexCoding.encode(bytes, prefix: false).utf8)
        let hash = Keccak256.hash(hex)
        var out: [UInt8] = [48, 120]
        for (i, c) in hex.enumerated() {
            let nibble = (hash[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF
            out.append(c >= 97 && nibble >= 8 ? c - 32 : c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { checksummed }

    /// The domain's lower-case ``Address``.
    public var address: Address { Address(lowercased)! }

    /// True when `text` is all-lower, all-upper, or a correct EIP-55 checksum.
    public static func isValidChecksum(_ text: String) -> Bool {
        guard let a = EthAddress(text) else { return false }
        let body = text.dropFirst(2)
        return body == body.lowercased() || body == body.uppercased() || a.checksummed == text
    }
}

extension Address {
    /// The same address as 20 bytes.
    public var eth: EthAddress { EthAddress(hex)! }
}
