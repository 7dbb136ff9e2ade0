import NIOHTTP1

/// polymarket.com's geoblock check (`GET https://polymarket.com/api/geoblock`): whether orders from this host's IP
/// address are accepted at all.
public struct GeoblockClient: Sendable {
    public let url: String
    public let transport: HTTPTransport

    /// Creates a client for the check's full URL.
    public init(url: String, transport: HTTPTransport) {
        self.url = url
        self.transport = transport
    }

    /// Asks once (retried like any idempotent GET).
    public func status() async throws(PolymarketHTTPError) -> GeoblockStatus {
        let r = try await transport.send(.GET, url: url, family: .clobGeneral, idempotent: true)
        return try HTTPTransport.decode(GeoblockStatus.self, r)
    }
}
