import Crypto
import Foundation
import PolybotCore
import PolybotStore

/// HS256 JSON Web Tokens for operator sessions: `{"sub": "operator", "role": …, "iat": …, "exp": …}`.
package struct TokenSigner: Sendable {
    private let key: SymmetricKey
    /// Session lifetime.
    package let lifetime: Int64

    /// Creates a signer from secret bytes (at least 32).
    package init(secret: [UInt8], lifetime: Int64 = 12 * 3_600) {
        precondition(secret.count >= 32, "a JWT secret needs at least 32 bytes")
        key = SymmetricKey(data: secret)
        self.lifetime = lifetime
    }

    /// A signer with a random secret (sessions end with the process).
    package static func random(lifetime: Int64 = 12 * 3_600) -> TokenSigner {
        TokenSigner(secret: (0..<32).map { _ in UInt8.random(in: 0...255) }, lifetime: lifetime)
    }

    /// Issues a token for `role` at `now`.
    package func issue(role: Role, now: Int64) -> String {
        let header = Self.base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = Self.base64URL(
            Data(#"{"sub":"polybot","role":"\#(role.rawValue)","iat":\#(now),"exp":\#(now + lifetime)}"#.utf8))
        let signature = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: key)
        return "\(header).\(payload).\(Self.base64URL(Data(signature)))"
    }

    /// The role of a valid, unexpired token; nil otherwise (bad shape, algorithm, signature or expiry).
    package func verify(_ token: String, now: Int64) -> Role? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let sig = Self.decode(parts[2]), let headerData = Self.decode(parts[0]),
            let payloadData = Self.decode(parts[1])
        else { return nil }
        guard
            HMAC<SHA256>.isValidAuthenticationCode(
                sig, authenticating: Data("\(parts[0]).\(parts[1])".utf8), using: key)
        else { return nil }
        struct Header: Decodable { var alg: String }
        struct Payload: Decodable {
            var role: String
            var exp: Int64
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData), header.alg == "HS256",
            let payload = try? JSONDecoder().decode(Payload.self, from: payloadData), payload.exp > now
        else { return nil }
        return Role(rawValue: payload.role)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ s: Substring) -> Data? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }
}
