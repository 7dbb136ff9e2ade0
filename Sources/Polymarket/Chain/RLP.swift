/// Ethereum's Recursive Length Prefix encoding (yellow paper, appendix B) and a strict decoder, for signed transactions.
public enum RLP: Sendable, Equatable {
    case bytes([UInt8])
    case list([RLP])

    /// An unsigned integer as its minimal big-endian bytes (zero is the empty string).
    public static func uint(_ v: UInt64) -> RLP { .bytes(minimal(v)) }

    /// A 32-byte big-endian word without its leading zeros.
    public static func word(_ w: [UInt8]) -> RLP { .bytes(Array(w.drop { $0 == 0 })) }

    /// The encoding.
    public var encoded: [UInt8] {
        switch self {
        case .bytes(let b):
            if b.count == 1, b[0] < 0x80 { return b }
            return Self.header(b.count, short: 0x80, long: 0xb7) + b
        case .list(let items):
            let body = items.flatMap(\.encoded)
            return Self.header(body.count, short: 0xc0, long: 0xf7) + body
        }
    }

    private static func header(_ length: Int, short: UInt8, long: UInt8) -> [UInt8] {
        if length < 56 { return [short + UInt8(length)] }
        let l = minimal(UInt64(length))
        return [long + UInt8(l.count)] + l
    }

    static func minimal(_ v: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        var x = v
        while x > 0 {
            out.insert(UInt8(x & 0xff), at: 0)
            x >>= 8
        }
        return out
    }

    /// Decodes one whole item; nil for anything malformed or with bytes left over.
    public static func decode(_ data: [UInt8]) -> RLP? {
        var i = 0
        guard let item = item(data, &i), i == data.count else { return nil }
        return item
    }

    private static func item(_ d: [UInt8], _ i: inout Int) -> RLP? {
        guard i < d.count else { return nil }
        let p = d[i]
        func length(_ n: Int) -> Int? {
            guard n > 0, n <= 8, i + 1 + n <= d.count, d[i + 1] != 0 else { return nil }
            var v = 0
            for k in 0..<n { v = v << 8 | Int(d[i + 1 + k]) }
            return v
        }
        switch p {
        case 0..<0x80:
            i += 1
            return .bytes([p])
        case 0x80...0xb7:
            let n = Int(p - 0x80)
            guard i + 1 + n <= d.count else { return nil }
            defer { i += 1 + n }
            return .bytes(Array(d[(i + 1)..<(i + 1 + n)]))
        case 0xb8...0xbf:
            let ll = Int(p - 0xb7)
            guard let n = length(ll), i + 1 + ll + n <= d.count else { return nil }
            defer { i += 1 + ll + n }
            return .bytes(Array(d[(i + 1 + ll)..<(i + 1 + ll + n)]))
        default:
            let (ll, n): (Int, Int)
            if p <= 0xf7 {
                (ll, n) = (0, Int(p - 0xc0))
            } else {
                guard let len = length(Int(p - 0xf7)) else { return nil }
                (ll, n) = (Int(p - 0xf7), len)
            }
            let end = i + 1 + ll + n
            guard end <= d.count else { return nil }
            var j = i + 1 + ll
            var items: [RLP] = []
            while j < end {
                guard let x = item(Array(d[..<end]), &j) else { return nil }
                items.append(x)
            }
            i = end
            return .list(items)
        }
    }

    /// The bytes of a string item.
    public var bytesValue: [UInt8]? { if case .bytes(let b) = self { b } else { nil } }

    /// The items of a list.
    public var listValue: [RLP]? { if case .list(let l) = self { l } else { nil } }

    /// A string item as an unsigned integer (at most 8 bytes, no leading zero).
    public var uintValue: UInt64? {
        guard let b = bytesValue, b.count <= 8, b.first != 0 else { return nil }
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
