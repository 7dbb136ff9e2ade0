import Crypto
import CryptoExtras
import Foundation
import NIOPosix
import PolybotCore
import Synchronization

/// scrypt password hashes (RFC 7914, swift-crypto's BoringSSL implementation): `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`.
/// The daemon keeps only the hash of the operator password (from configuration) and compares in constant time.
///
/// Why scrypt with N = 2^17, r = 8, p = 1: it is memory-hard (128 MiB per guess, so GPUs gain little), and these are
/// OWASP's current minimum parameters for scrypt. One check costs a few hundred milliseconds of one core, which is
/// why the login route caps the password length and runs at most one check at a time off the request threads.
package struct PasswordHash: Sendable, Equatable {
    /// CPU/memory cost (a power of two).
    package let rounds: Int
    package let blockSize: Int
    package let parallelism: Int
    package let salt: [UInt8]
    package let hash: [UInt8]

    /// The longest password accepted (bytes of UTF-8). Longer ones are refused before any hashing.
    package static let maximumLength = 1_024
    /// The parameters new hashes use.
    package static let defaultRounds = 1 << 17
    package static let defaultBlockSize = 8
    package static let defaultParallelism = 1

    /// Hashes a password with a fresh salt.
    ///
    /// - Throws: when the KDF refuses the parameters (never with the defaults).
    package init(
        password: String, rounds: Int = defaultRounds, blockSize: Int = defaultBlockSize,
        parallelism: Int = defaultParallelism
    ) throws {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let hash = try Self.derive(
            Array(password.utf8), salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        self.init(rounds: rounds, blockSize: blockSize, parallelism: parallelism, salt: salt, hash: hash)
    }

    init(rounds: Int, blockSize: Int, parallelism: Int, salt: [UInt8], hash: [UInt8]) {
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
        self.salt = salt
        self.hash = hash
    }

    /// Parses the text form; nil when malformed or weaker than N = 2^14.
    package init?(encoded: String) {
        let p = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard p.count == 6, p[0] == "scrypt", let n = Int(p[1]), n >= 1 << 14, n & (n - 1) == 0, let r = Int(p[2]),
            (1...32).contains(r),
            let par = Int(p[3]), (1...16).contains(par), let s = Data(base64Encoded: String(p[4])), s.count >= 16,
            let h = Data(base64Encoded: String(p[5])), h.count == 32
        else { return nil }
        self.init(rounds: n, blockSize: r, parallelism: par, salt: Array(s), hash: Array(h))
    }

    /// The text form.
    package var encoded: String {
        "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// True when `password` matches (constant-time comparison). A password over ``maximumLength`` never matches
    /// and costs nothing.
    package func matches(_ password: String) -> Bool {
        let bytes = Array(password.utf8)
        guard bytes.count <= Self.maximumLength else { return false }
        let candidate: [UInt8]
        do {
            candidate = try Self.derive(
                bytes, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        } catch {
            return false
        }
        var diff: UInt8 = 0
        for (a, b) in zip(candidate, hash) { diff |= a ^ b }
        return diff == 0 && candidate.count == hash.count
    }

    static func derive(
        _ password: [UInt8], salt: [UInt8], rounds: Int, blockSize: Int, parallelism: Int
    ) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: password, salt: salt, outputByteCount: 32, rounds: rounds, blockSize: blockSize,
            parallelism: parallelism)
        return key.withUnsafeBytes { Array($0) }
    }
}

/// Checks operator passwords against the configured one. The scrypt hash is derived on first use and every KDF run
/// happens on NIO's blocking thread pool: a KDF costs hundreds of milliseconds of CPU, which on the cooperative pool
/// (one thread per core) would stall every request and pipeline stage meanwhile.
package final class PasswordVerifier: Sendable {
    /// The configured password (the configuration holds it in memory anyway; this keeps no second copy on disk).
    private let password: String
    private let rounds: Int
    private let hash = Mutex<PasswordHash?>(nil)

    /// Wraps the configured password. `rounds` is scrypt's N: the daemon always uses the default; the in-process test
    /// harness passes 2^14, because its debug build compiles BoringSSL without optimisation (≈ 3 s per check at 2^17).
    package init(password: String, rounds: Int = PasswordHash.defaultRounds) {
        self.password = password
        self.rounds = rounds
    }

    /// True when `candidate` is the operator password. Throws when the thread pool is shutting down.
    package func matches(_ candidate: String) async throws -> Bool {
        guard candidate.utf8.count <= PasswordHash.maximumLength else { return false }
        let known = try await derived()
        return try await NIOThreadPool.singleton.runIfActive { known.matches(candidate) }
    }

    private func derived() async throws -> PasswordHash {
        if let h = hash.withLock({ $0 }) { return h }
        let (plain, n) = (password, rounds)
        let made = try await NIOThreadPool.singleton.runIfActive { try PasswordHash(password: plain, rounds: n) }
        return hash.withLock { existing in
            if let existing { return existing }
            existing = made
            return made
        }
    }
}
