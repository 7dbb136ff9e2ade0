import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import Synchronization

/// Why a live order was not signed.
package enum LiveOrderError: Error, CustomStringConvertible {
    case exchangeVersionUnreadable(conditionId: String, String)
    case unknownExchangeVersion(Int, conditionId: String)
    case unknownProtocolVersion(String, conditionId: String)
    case marketNotListed(conditionId: String)
    case noVersionSource

    package var description: String {
        switch self {
        case .exchangeVersionUnreadable(let c, let e):
            "market \(c): its exchange version could not be read (\(e)); nothing is signed without it"
        case .unknownExchangeVersion(let v, let c):
            "market \(c) is on exchange version \(v), which this build cannot sign for; not traded"
        case .unknownProtocolVersion(let v, let c):
            "market \(c) is on protocol version \"\(v)\", which this build cannot sign for; not traded"
        case .marketNotListed(let c):
            "market \(c) is not listed on Gamma, so its protocol version is unknown; not traded"
        case .noVersionSource:
            "no Gamma client is configured to read each market's protocol version; nothing live is signed"
        }
    }
}

/// Exchange versions per market (condition id), read once each from the CLOB's `/markets/{condition_id}`.
package final class MarketVersions: Sendable {
    private let known = Mutex<[String: Int?]>([:])
    private let read: @Sendable (String) async throws -> Int?

    /// A cache over a reader (the CLOB's market record's `version`).
    package init(read: @escaping @Sendable (String) async throws -> Int?) { self.read = read }

    /// The gateway's port over Gamma (the venue's documented source, feeds notes §6.5): each market's protocol
    /// `version`, read once — "v1" signs for the V2 exchanges, "v2" for ExchangeV3; a market Gamma does not list, or a
    /// version this build does not know, is never signed for (the error names it).
    package static func reading(_ gamma: GammaClient) -> @Sendable (String) async throws -> Int? {
        let versions = MarketVersions(read: { conditionId in
            guard
                let market = try await gamma.markets(conditionIds: [conditionId]).first(where: {
                    $0.conditionId.lowercased() == conditionId.lowercased()
                })
            else { throw LiveOrderError.marketNotListed(conditionId: conditionId) }
            guard let version = market.exchangeVersion else {
                throw LiveOrderError.unknownProtocolVersion(market.version, conditionId: conditionId)
            }
            return version
        })
        return { try await versions.version($0) }
    }

    /// The version of a market (nil: the CLOB's default).
    package func version(_ conditionId: String) async throws -> Int? {
        if let hit = known.withLock({ $0[conditionId] }) { return hit }
        let v = try await read(conditionId)
        known.withLock { $0[conditionId] = .some(v) }
        return v
    }
}
