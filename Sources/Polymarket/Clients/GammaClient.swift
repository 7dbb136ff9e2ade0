import Foundation
import NIOHTTP1
import PolybotCore

/// The Gamma API: market and event metadata, resolutions.
public struct GammaClient: Sendable {
    public let baseURL: String
    public let transport: HTTPTransport

    /// Creates a client.
    public init(baseURL: String, transport: HTTPTransport) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
    }

    /// Markets by condition id. Queries open and closed markets (resolved markets only come back with `closed=true`).
    public func markets(conditionIds: [String]) async throws(PolymarketHTTPError) -> [GammaMarket] {
        var out: [String: GammaMarket] = [:]
        for closed in ["false", "true"] {
            var start = 0
            while start < conditionIds.count {
                let chunk = conditionIds[start..<min(start + 20, conditionIds.count)]
                var q = Query()
                q.add("condition_ids", chunk.joined(separator: ","))
                q.add("closed", closed)
                q.add("limit", 100)
                for m in try await page(q) { out[m.conditionId] = m }
                start += 20
            }
        }
        return conditionIds.compactMap { out[$0.lowercased()] }
    }

    /// Markets by outcome-token id (`clob_token_ids`, repeated), open and closed.
    public func markets(tokenIds: [String]) async throws(PolymarketHTTPError) -> [GammaMarket] {
        var out: [String: GammaMarket] = [:]
        for closed in ["false", "true"] {
            var start = 0
            while start < tokenIds.count {
                var q = Query()
                // Repeated keys, as the official Rust client sends a list (feeds notes §4.2).
                for token in tokenIds[start..<min(start + 20, tokenIds.count)] { q.add("clob_token_ids", token) }
                q.add("closed", closed)
                q.add("limit", 100)
                for m in try await page(q) { out[m.conditionId] = m }
                start += 20
            }
        }
        return Array(out.values)
    }

    /// One page of `/markets` with arbitrary filters (`limit` ≤ 100 per page).
    public func markets(
        limit: Int = 100, offset: Int = 0, closed: Bool? = nil, order: String? = nil, ascending: Bool? = nil
    )
        async throws(PolymarketHTTPError) -> [GammaMarket]
    {
        var q = Query()
        q.add("limit", min(limit, 100))
        q.add("offset", offset)
        q.add("closed", closed.map { $0 ? "true" : "false" })
        q.add("order", order)
        q.add("ascending", ascending.map { $0 ? "true" : "false" })
        return try await page(q)
    }

    /// One page of `/events` (each event embeds its markets).
    public func events(
        limit: Int = 50, offset: Int = 0, closed: Bool? = false
    ) async throws(PolymarketHTTPError) -> [GammaEvent] {
        var q = Query()
        q.add("limit", limit)
        q.add("offset", offset)
        q.add("closed", closed.map { $0 ? "true" : "false" })
        q.add("order", "id")
        q.add("ascending", "false")
        return try HTTPTransport.decode(
            [GammaEvent].self,
            try await transport.send(.GET, url: q.url(baseURL, "/events"), family: .gammaEvents, idempotent: true))
    }

    private func page(_ q: Query) async throws(PolymarketHTTPError) -> [GammaMarket] {
        let result = try await transport.send(
            .GET, url: q.url(baseURL, "/markets"), family: .gammaMarkets, idempotent: true)
        // Decode element by element so one odd market does not hide the others.
        guard let array = try? JSONSerialization.jsonObject(with: result.body) as? [Any] else {
            throw .decode(.notJSON("expected an array of markets"))
        }
        return array.compactMap { element in
            guard let data = try? JSONSerialization.data(withJSONObject: element) else { return nil }
            return try? JSONDecoder().decode(GammaMarket.self, from: data)
        }
    }
}
