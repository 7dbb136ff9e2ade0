import Foundation
import NIOHTTP1
import PolybotCore

/// Data API v2 `GET /v2/status`: how far behind the chain head what it serves is (venue facts §1.4).
public struct DataAPIStatus: Sendable, Equatable {
    /// Seconds since the snapshot was computed (a growing figure means the refresher is stuck).
    public var ageSeconds: Int
    /// Seconds the worst serving mechanism is behind the chain.
    public var lagSeconds: Int
    /// That mechanism's name (`activity_feed`, …).
    public var worst: String?

    /// Creates a status.
    public init(ageSeconds: Int, lagSeconds: Int, worst: String?) {
        self.ageSeconds = ageSeconds
        self.lagSeconds = lagSeconds
        self.worst = worst
    }

    /// The staleness that counts: the lag plus the snapshot's own age (the spec's rule tracks both together).
    public var staleSeconds: Int { lagSeconds + ageSeconds }
}

extension DataAPIClient {
    /// `GET /v2/status`.
    ///
    /// - Throws: ``PolymarketHTTPError`` (404: no v2; 503 before the first snapshot).
    public func status() async throws(PolymarketHTTPError) -> DataAPIStatus {
        struct Envelope: Decodable {
            struct Body: Decodable {
                struct Serving: Decodable {
                    var lag_seconds: Int
                    var worst: String?
                }
                var age_seconds: Int
                var serving: Serving
            }
            var data: Body
        }
        let result = try await transport.send(
            .GET, url: Query().url(baseURL, "/v2/status"), family: .dataTrades, idempotent: true)
        let e = try HTTPTransport.decode(Envelope.self, result)
        return DataAPIStatus(
            ageSeconds: e.data.age_seconds, lagSeconds: e.data.serving.lag_seconds, worst: e.data.serving.worst)
    }
}
