import Foundation
import Hummingbird
import PolybotCore
import PolybotStore

/// A market as Polybot stores it: title, outcomes, tokens, tick, neg-risk, resolution and its **fees** as the venue
/// states them (issue 15).
struct MarketsController {
    let env: APIEnvironment

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/markets/:conditionId") { _, context -> Response in
            let id = try context.parameters.require("conditionId").lowercased()
            guard id.hasPrefix("0x"), id.count == 66 else { throw APIError.badRequest("not a condition id") }
            guard let m = try await env.store.markets.get([id])[id] else { throw APIError.notFound("no market \(id)") }
            return try jsonResponse(MarketDTO(m))
        }
    }
}

/// A market with its fee schedule.
package struct MarketDTO: Codable, Sendable {
    /// The fees: `status` is not_stated, free, charged or uncomputable; the schedule's numbers when charged.
    package struct Fees: Codable, Sendable {
        var status: String
        var type: String?
        var rate: String?
        var exponent: Int?
        var takerOnly: Bool?
        var rebateRate: String?
        var note: String?
        /// The taker fee of one share at 0.50, the most a share pays (p(1 − p) peaks there): a figure to compare markets.
        var perShareAtHalf: String?
    }

    var conditionId: String
    var question: String
    var slug: String
    var eventSlug: String
    var outcomes: [String]
    var tokenIds: [String]
    var tickSize: String
    var negRisk: Bool
    var closed: Bool
    var winningToken: String?
    var fees: Fees

    init(_ m: MarketInfo) {
        conditionId = m.conditionId
        question = m.question
        slug = m.slug
        eventSlug = m.eventSlug
        outcomes = m.outcomes
        tokenIds = m.tokenIds
        tickSize = "\(m.tickSize)"
        negRisk = m.negRisk
        closed = m.closed
        winningToken = m.winningToken
        switch m.fees {
        case .notStated: fees = Fees(status: "not_stated")
        case .free: fees = Fees(status: "free", perShareAtHalf: "0")
        case .charged(let s, let type):
            fees = Fees(
                status: "charged", type: type, rate: "\(s.rate)", exponent: s.exponent, takerOnly: s.takerOnly,
                rebateRate: "\(s.rebateRate)", perShareAtHalf: s.perShare(price: Micros(500_000)).map { "\($0)" })
        case .uncomputable(let why): fees = Fees(status: "uncomputable", note: why)
        }
    }
}
