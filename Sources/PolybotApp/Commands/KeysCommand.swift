import Foundation
import Logging
import Polymarket

/// `polybot keys derive`: L1-authenticates with the private key and creates (or derives) the CLOB API credentials.
public enum KeysCommand {
    /// Why the command refused.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates or derives credentials against the configured CLOB.
    ///
    /// - Parameters:
    ///   - config: supplies the key, the CLOB URL and the chain id.
    ///   - nonce: the L1 nonce (credentials are per address and nonce).
    /// - Returns: the credentials.
    public static func derive(config: AppConfiguration, nonce: UInt64, logger: Logger) async throws -> ApiCredentials {
        guard let keyText = config.privateKey?.revealed else {
            throw Failure(description: "POLY_PRIVATE_KEY (or POLY_PRIVATE_KEY_FILE) is required")
        }
        let key = try PrivateKey(hex: keyText)
        let transport = HTTPTransport(logger: logger)
        defer { Task { try? await transport.shutdown() } }
        let clob = ClobClient(baseURL: config.clobURL, transport: transport)
        return try await clob.createOrDeriveApiKey(key: key, chainId: config.chainId, nonce: nonce)
    }

    /// `KEY=VALUE` lines for an env file (0600) holding the credentials.
    public static func envFile(_ c: ApiCredentials) -> String {
        "POLY_API_KEY=\(c.apiKey)\nPOLY_API_SECRET=\(c.secret)\nPOLY_PASSPHRASE=\(c.passphrase)\n"
    }
}
