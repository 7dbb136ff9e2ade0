import CSecp256k1

/// A 65-byte Ethereum signature `r ‖ s ‖ v` with v ∈ {27, 28}.
public struct EthSignature: Hashable, Sendable, CustomStringConvertible {
    /// r ‖ s (64 bytes).
    public let compact: [UInt8]
    /// The recovery id, 0 or 1.
    public let recoveryId: UInt8

    /// The 65 bytes, v = 27 + recovery id.
    public var bytes: [UInt8] { compact + [27 + recoveryId] }
    /// `0x`-prefixed lower-case hex of the 65 bytes.
    public var description: String { HexCoding.encode(bytes) }

    /// Wraps a compact signature and its recovery id.
    public init(compact: [UInt8], recoveryId: UInt8) {
        self.compact = compact
        self.recoveryId = recoveryId
    }

    /// Parses 65 bytes of hex (`0x…`); v may be 27/28 or 0/1.
    public init?(hex: String) {
        guard let b = HexCoding.decode(hex), b.count == 65 else { return nil }
        let v = b[64]
        guard v == 27 || v == 28 || v == 0 || v == 1 else { return nil }
        compact = Array(b[0..<64])
        recoveryId = v >= 27 ? v - 27 : v
    }
}

/// The shared libsecp256k1 context.
///
/// `@unchecked Sendable` is sound here: the context is created and randomised once inside `init` before it
/// is published; afterwards only functions that take a `const secp256k1_context*` are called (signing,
/// recovery, key derivation, serialisation), which libsecp256k1 documents as safe to call concurrently.
/// The context is never mutated or destroyed (it lives as long as the process).
final class Secp256k1Context: @unchecked Sendable {
    static let shared = Secp256k1Context()
    let pointer: OpaquePointer

    private init() {
        guard let ctx = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            fatalError("secp256k1_context_create failed")
        }
        var seed = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<32 { seed[i] = UInt8.random(in: 0...255, using: &rng) }
        _ = secp256k1_context_randomize(ctx, seed)
        pointer = ctx
    }
}

/// Why a key or signature operation failed.
public enum SigningError: Error, Equatable, CustomStringConvertible {
    case invalidPrivateKey
    case invalidDigest
    case signingFailed
    case recoveryFailed

    public var description: String {
        switch self {
        case .invalidPrivateKey: "private key is not a valid secp256k1 secret (32 bytes, 0 < k < n)"
        case .invalidDigest: "digest must be 32 bytes"
        case .signingFailed: "secp256k1 signing failed"
        case .recoveryFailed: "signature does not recover to a public key"
        }
    }
}

/// An Ethereum private key. Its `description` never shows the key.
public struct PrivateKey: Sendable, CustomStringConvertible {
    private let secret: [UInt8]
    /// The EOA address of this key.
    public let address: EthAddress

    /// Parses a 32-byte hex key (with or without `0x`).
    ///
    /// - Throws: ``SigningError/invalidPrivateKey``.
    public init(hex: String) throws(SigningError) {
        guard let b = HexCoding.decode(hex.trimmingWhitespace()), b.count == 32 else { throw .invalidPrivateKey }
        try self.init(bytes: b)
    }

    /// Wraps 32 secret bytes.
    ///
    /// - Throws: ``SigningError/invalidPrivateKey`` when the bytes are not a valid secret.
    public init(bytes: [UInt8]) throws(SigningError) {
        let ctx = Secp256k1Context.shared.pointer
        guard bytes.count == 32, secp256k1_ec_seckey_verify(ctx, bytes) == 1 else { throw .invalidPrivateKey }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_create(ctx, &pubkey, bytes) == 1 else { throw .invalidPrivateKey }
        secret = bytes
        address = EthAddress(publicKey: pubkey)
    }

    public var description: String { "PrivateKey(\(address.checksummed))" }

    /// Signs a 32-byte digest directly (no personal-message prefix): RFC 6979 nonce, low-s.
    ///
    /// - Throws: ``SigningError``.
    public func sign(digest: [UInt8]) throws(SigningError) -> EthSignature {
        guard digest.count == 32 else { throw .invalidDigest }
        let ctx = Secp256k1Context.shared.pointer
        var sig = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest, secret, nil, nil) == 1 else { throw .signingFailed }
        var out = [UInt8](repeating: 0, count: 64)
        var recid: Int32 = 0
        _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, &out, &recid, &sig)
        return EthSignature(compact: out, recoveryId: UInt8(recid))
    }
}

/// Recovers the address that signed a digest.
public enum SignatureRecovery {
    /// The signer of `digest`.
    ///
    /// - Throws: ``SigningError/recoveryFailed`` for a malformed or non-recoverable signature.
    public static func signer(of digest: [UInt8], signature: EthSignature) throws(SigningError) -> EthAddress {
        guard digest.count == 32 else { throw .invalidDigest }
        let ctx = Secp256k1Context.shared.pointer
        var sig = secp256k1_ecdsa_recoverable_signature()
        guard
            secp256k1_ecdsa_recoverable_signature_parse_compact(
                ctx, &sig, signature.compact, Int32(signature.recoveryId)) == 1
        else { throw .recoveryFailed }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ecdsa_recover(ctx, &pubkey, &sig, digest) == 1 else { throw .recoveryFailed }
        return EthAddress(publicKey: pubkey)
    }
}

extension EthAddress {
    /// The address of an uncompressed public key: the last 20 bytes of keccak256(x ‖ y).
    init(publicKey: secp256k1_pubkey) {
        var key = publicKey
        var out = [UInt8](repeating: 0, count: 65)
        var len = 65
        _ = secp256k1_ec_pubkey_serialize(
            Secp256k1Context.shared.pointer, &out, &len, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        self.init(bytes: Array(Keccak256.hash(out[1..<65]).suffix(20)))!
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
