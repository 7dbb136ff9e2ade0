import Foundation
import NIOHTTP1
import PolybotCore

/// One row of Data API v2 `GET /v2/resolutions` (venue facts §1.5): a market's resolution state, its payouts and when
/// it resolved.
public struct DataAPIResolution: Sendable, Equatable {
    public var conditionId: String
    /// `initialized`, `posed`, `proposed`, `challenged`, `reproposed`, `disputed`, `resolved` (and `active`,
    /// `arbitration` on condition rows).
    public var status: String
    /// Per-outcome payout in micro-USDC per share (`[1000000, 0]`: outcome 0 won; fractions: a void or 50/50).
    public var payouts: [Int64]?
    /// When it resolved (Unix seconds), when the row says.
    public var resolvedAt: Int64?

    /// Creates a row.
    public init(conditionId: String, status: String, payouts: [Int64]?, resolvedAt: Int64?) {
        self.conditionId = conditionId
        self.status = status
        self.payouts = payouts
        self.resolvedAt = resolvedAt
    }

    /// The winning outcome's index: only a `resolved` row paying exactly one outcome in full (a void or 50/50 is no
    /// winner, as with Gamma's prices).
    public var winningIndex: Int? {
        guard status == "resolved", let payouts, payouts.filter({ $0 == 1_000_000 }).count == 1,
            payouts.allSatisfy({ $0 == 0 || $0 == 1_000_000 })
        else { return nil }
        return payouts.firstIndex(of: 1_000_000)
    }
}

extension DataAPIClient {
    /// `GET /v2/resolutions?condition=…` for up to 20 markets a call; a market the Data API does not know is absent.
    ///
    /// - Throws: ``PolymarketHTTPError`` (404: no v2).
    public func resolutions(conditionIds: [String]) async throws(PolymarketHTTPError) -> [DataAPIResolution] {
        struct Envelope: Decodable {
            struct Row: Decodable {
                var condition_id: String?
                var status: String
                var payouts: [Int64]?
                var resolved_at: String?
            }
            var data: [Row]
        }
        var out: [DataAPIResolution] = []
        var start = 0
        while start < conditionIds.count {
            var q = Query()
            q.add("condition", conditionIds[start..<min(start + 20, conditionIds.count)].joined(separator: ","))
            let result = try await transport.send(
                .GET, url: q.url(baseURL, "/v2/resolutions"), family: .dataGeneral, idempotent: true)
            for row in try HTTPTransport.decode(Envelope.self, result).data {
                guard let id = row.condition_id?.lowercased() else { continue }
                out.append(
                    DataAPIResolution(
                        conditionId: id, status: row.status, payouts: row.payouts,
                        resolvedAt: row.resolved_at.flatMap { ISO8601DateFormatter().date(from: $0) }.map {
                            Int64($0.timeIntervalSince1970)
                        }))
            }
            start += 20
        }
        return out
    }
}

extension MarketInfo {
    /// The market with the Data API's resolution where it has a winner: the winning token and the resolution's own
    /// time (Gamma's `closedTime` is only when the market closed). Anything else leaves the record as it was.
    public func resolved(by r: DataAPIResolution) -> MarketInfo {
        guard r.conditionId == conditionId.lowercased(), let i = r.winningIndex, tokenIds.indices.contains(i) else {
            return self
        }
        var m = self
        m.closed = true
        m.winningToken = tokenIds[i]
        m.resolvedAt = r.resolvedAt ?? resolvedAt
        return m
    }
}
