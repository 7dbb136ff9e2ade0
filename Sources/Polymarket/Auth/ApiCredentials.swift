import Crypto
import Foundation

/// CLOB API credentials (from `/auth/api-key` or `/auth/derive-api-key`). The secret and passphrase never print.
public struct ApiCredentials: Sendable, Codable, Equatable, CustomStringConvertible {
    public var apiKey: String
    public var secret: String
    public var passphrase: String

    /// Creates credentials.
    public init(apiKey: String, secret: String, passphrase: String) {
        self.apiKey = apiKey
        self.secret = secret
        self.passphrase = passphrase
    }

    public var description: String { "ApiCredentials(apiKey: \(apiKey), secret: <redacted>, passphrase: <redacted>)" }
}

/// Why an HMAC could not be computed.
public enum HMACError: Error, Equatable, CustomStringConvertible {
    case invalidSecret
    public var description: String { "API secret is not base64" }
}

/// L2 authentication: HMAC-SHA256 over `timestamp + method + path [+ body]`, keyed by the url-safe
/// base64-decoded secret, sent url-safe base64 with padding.
public enum L2Auth {
    /// The signature for one request.
    ///
    /// - Parameters:
    ///   - secret: the API secret (url-safe or standard base64, padding optional; other characters ignored).
    ///   - timestamp: Unix seconds, as sent in `POLY_TIMESTAMP`.
    ///   - method: verbatim, e.g. `POST`.
    ///   - path: path only, no host or query.
    ///   - body: the exact body bytes sent (nothing appended when nil or empty).
    /// - Throws: ``HMACError/invalidSecret``.
    public static func signature(
        secret: String, timestamp: Int64, method: String, path: String, body: String?
    ) throws(HMACError)
        -> String
    {
        guard let key = decodeBase64Loosely(secret) else { throw .invalidSecret }
        var message = String(timestamp) + method + path
        if let body, !body.isEmpty { message += body }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: key))
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_")
    }

    /// The five L2 headers for a request.
    ///
    /// - Throws: ``HMACError/invalidSecret``.
    public static func headers(
        credentials: ApiCredentials, address: EthAddress, timestamp: Int64, method: String, path: String,
        body: String?
    ) throws(HMACError) -> [(String, String)] {
        [
            ("POLY_ADDRESS", address.checksummed),
            (
                "POLY_SIGNATURE",
                try signature(secret: credentials.secret, timestamp: timestamp, method: method, path: path, body: body)
            ),
            ("POLY_TIMESTAMP", String(timestamp)),
            ("POLY_API_KEY", credentials.apiKey),
            ("POLY_PASSPHRASE", credentials.passphrase),
        ]
    }

    /// Decodes base64 in either alphabet, with or without padding, ignoring characters outside both alphabets
    /// (the official TypeScript client does the same).
    static func decodeBase64Loosely(_ text: String) -> Data? {
        var cleaned = ""
        for c in text.unicodeScalars {
            switch c {
            case "A"..."Z", "a"..."z", "0"..."9", "+", "/": cleaned.unicodeScalars.append(c)
            case "-": cleaned += "+"
            case "_": cleaned += "/"
            default: continue
            }
        }
        guard !cleaned.isEmpty else { return nil }
        while cleaned.count % 4 != 0 { cleaned += "=" }
        return Data(base64Encoded: cleaned)
    }
}
