import Crypto
import Foundation
import PolybotCore
import PolybotPipeline
import PolybotStore

/// PBKDF2-HMAC-SHA256 password hashes: `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`. The daemon keeps only
/// the hash of the operator password (from configuration) and compares in constant time.
package struct PasswordHash: Sendable, Equatable {
    package let iterations: Int
    package let salt: [UInt8]
    package let hash: [UInt8]

    /// Hashes a password with a fresh salt.
    package init(password: String, iterations: Int = 60_000) {
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        self.init(iterations: iterations, salt: salt, hash: Self.pbkdf2(Array(password.utf8), salt: salt, iterations: iterations))
    }

    init(iterations: Int, salt: [UInt8], hash: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    /// Parses the text form; nil when malformed.
    package init?(encoded: String) {
        let p = encoded.split(separator: "$")
        guard p.count == 4, p[0] == "pbkdf2-sha256", let n = Int(p[1]), n >= 1_000, let s = Data(base64Encoded: String(p[2])),
            let h = Data(base64Encoded: String(p[3])), h.count == 32
        else { return nil }
        self.init(iterations: n, salt: Array(s), hash: Array(h))
    }

    /// The text form.
    package var encoded: String { "pbkdf2-sha256$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())" }

    /// True when `password` matches (constant-time comparison).
    package func matches(_ password: String) -> Bool {
        let candidate = Self.pbkdf2(Array(password.utf8), salt: salt, iterations: iterations)
        var diff: UInt8 = 0
        for (a, b) in zip(candidate, hash) { diff |= a ^ b }
        return diff == 0 && candidate.count == hash.count
    }

    /// PBKDF2 with HMAC-SHA256, one 32-byte block (RFC 8018).
    static func pbkdf2(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        var u = Array(HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key))
        var out = u
        for _ in 1..<iterations {
            u = Array(HMAC<SHA256>.authenticationCode(for: u, using: key))
            for i in 0..<out.count { out[i] ^= u[i] }
        }
        return out
    }
}
