/// A 20-byte EVM address in its canonical lower-case `0x…` hex form.
///
/// Feeds send checksummed mixed-case addresses; Polybot compares and stores them lower-case.
public struct Address: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The canonical lower-case text, `0x` followed by 40 hex digits.
    public let hex: String

    /// Validates and lower-cases an address. Returns `nil` unless the text is `0x` + 40 hex digits.
    public init?(_ text: some StringProtocol) {
        let string = String(text)
        if Address.isCanonical(string) {
            self.hex = string  // already canonical: no copy
            return
        }
        let lower = string.lowercased()
        guard Address.isCanonical(lower) else { return nil }
        self.hex = lower
    }

    /// True when `text` is already `0x` + 40 lower-case hex digits.
    public static func isCanonical(_ text: String) -> Bool { Hex.isLowerHex(text, bytes: 20) }

    public var description: String { hex }
    public static func < (lhs: Address, rhs: Address) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let a = Address(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an address: \(text)"))
        }
        self = a
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}
