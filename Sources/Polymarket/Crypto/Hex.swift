/// Hex and fixed-width integer helpers for the EVM encodings.
public enum HexCoding {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`, with a `0x` prefix when `prefix` is true.
    public static func encode(_ bytes: some Sequence<UInt8>, prefix: Bool = true) -> String {
        var out: [UInt8] = prefix ? [48, 120] : []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex text (with or without `0x`, either case). Returns nil on odd length or a non-hex digit.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var u = Array(text.utf8)
        if u.count >= 2, u[0] == 48, u[1] == 120 || u[1] == 88 { u.removeFirst(2) }
        guard u.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}

/// A 256-bit unsigned integer as 32 big-endian bytes, for EIP-712 `uint256` words.
public struct UInt256Word: Hashable, Sendable {
    /// The 32 big-endian bytes.
    public let bytes: [UInt8]

    /// Parses a decimal string of at most 78 digits. Returns nil for anything else or a value ≥ 2^256.
    public init?(decimal text: some StringProtocol) {
        let u = Array(text.utf8)
        guard !u.isEmpty, u.count <= 78, u.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        var b = [UInt8](repeating: 0, count: 32)
        for c in u {
            var carry = UInt16(c - 48)
            for i in stride(from: 31, through: 0, by: -1) {
                let v = UInt16(b[i]) * 10 + carry
                b[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
            if carry != 0 { return nil }
        }
        bytes = b
    }

    /// A word holding a 64-bit value.
    public init(_ value: UInt64) {
        var b = [UInt8](repeating: 0, count: 32)
        for i in 0..<8 { b[31 - i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        bytes = b
    }
}
