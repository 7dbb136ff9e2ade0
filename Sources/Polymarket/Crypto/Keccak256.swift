/// Keccak-256 as Ethereum uses it (original Keccak padding `0x01…0x80`, not FIPS-202 SHA3's `0x06`).
///
/// No library on this platform exposes it (swift-crypto has only SHA3, OpenSSL 3.0 lacks KECCAK-256), so it
/// is written here: Keccak-f[1600] on a fixed 25-lane state, rate 136 bytes.
public enum Keccak256 {
    private static let roundConstants: [UInt64] = [
        0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808A, 0x8000_0000_8000_8000,
        0x0000_0000_0000_808B, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
        0x0000_0000_0000_008A, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000A,
        0x0000_0000_8000_808B, 0x8000_0000_0000_008B, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
        0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800A, 0x8000_0000_8000_000A,
        0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
    ]
    private static let rotations: [UInt64] = [
        0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
    ]
    private static let rate = 136

    /// The 32-byte digest of `data`.
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        var state = [UInt64](repeating: 0, count: 25)
        var block = [UInt8](repeating: 0, count: rate)
        var filled = 0
        for byte in data {
            block[filled] = byte
            filled += 1
            if filled == rate {
                absorb(block, into: &state)
                filled = 0
            }
        }
        for i in filled..<rate { block[i] = 0 }
        block[filled] ^= 0x01
        block[rate - 1] ^= 0x80
        absorb(block, into: &state)
        var out = [UInt8]()
        out.reserveCapacity(32)
        for lane in 0..<4 {
            let v = state[lane]
            for b in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(b)))) }
        }
        return out
    }

    private static func absorb(_ block: [UInt8], into state: inout [UInt64]) {
        block.withUnsafeBufferPointer { bytes in
            for lane in 0..<(rate / 8) {
                var v: UInt64 = 0
                for b in 0..<8 { v |= UInt64(bytes[lane * 8 + b]) << (8 * UInt64(b)) }
                state[lane] ^= v
            }
        }
        permute(&state)
    }

    private static func permute(_ a: inout [UInt64]) {
        a.withUnsafeMutableBufferPointer { s in
            var c = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            var b = [UInt64](repeating: 0, count: 25)
            for round in 0..<24 {
                // θ
                c.0 = s[0] ^ s[5] ^ s[10] ^ s[15] ^ s[20]
                c.1 = s[1] ^ s[6] ^ s[11] ^ s[16] ^ s[21]
                c.2 = s[2] ^ s[7] ^ s[12] ^ s[17] ^ s[22]
                c.3 = s[3] ^ s[8] ^ s[13] ^ s[18] ^ s[23]
                c.4 = s[4] ^ s[9] ^ s[14] ^ s[19] ^ s[24]
                let d0 = c.4 ^ rotl(c.1, 1)
                let d1 = c.0 ^ rotl(c.2, 1)
                let d2 = c.1 ^ rotl(c.3, 1)
                let d3 = c.2 ^ rotl(c.4, 1)
                let d4 = c.3 ^ rotl(c.0, 1)
                for y in stride(from: 0, to: 25, by: 5) {
                    s[y] ^= d0
                    s[y + 1] ^= d1
                    s[y + 2] ^= d2
                    s[y + 3] ^= d3
                    s[y + 4] ^= d4
                }
                // ρ and π
                for x in 0..<5 {
                    for y in 0..<5 {
                        let i = x + 5 * y
                        b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(s[i], rotations[i])
                    }
                }
                // χ
                for y in stride(from: 0, to: 25, by: 5) {
                    for x in 0..<5 {
                        s[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5])
                    }
                }
                // ι
                s[0] ^= roundConstants[round]
            }
        }
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ n: UInt64) -> UInt64 {
        n == 0 ? x : (x << n) | (x >> (64 - n))
    }
}
