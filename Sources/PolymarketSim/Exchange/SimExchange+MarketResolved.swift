import Foundation
import PolybotCore
import Polymarket

/// The CLOB market channel's `market_resolved` event (custom feature; venue facts §5.2, feeds notes §2.3): sent to
/// the connections that asked for the custom features and subscribed one of the market's tokens, once per market,
/// when a recorded resolution's time passes or a control call resolves the market. Like the venue's, it carries the
/// winner but no payouts (those are on `/v2/resolutions`).
extension SimExchange {
    /// Sends `market_resolved` for recorded resolutions whose time has passed (the replay loop calls it).
    func announceDueResolutions() {
        if resolutionSchedule == nil {
            resolutionSchedule = markets.values.compactMap { m in m.resolvedAt.map { (at: $0, id: m.conditionId) } }
                .sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        }
        while let next = resolutionSchedule?.first, next.at <= simNow {
            resolutionSchedule?.removeFirst()
            if let m = markets[next.id], let winner = m.winner { announceResolution(m, winner: winner) }
        }
    }

    /// Sends one market's `market_resolved` (at most once per market).
    func announceResolution(_ m: HistoryMarket, winner: String) {
        guard resolutionsAnnounced.insert(m.conditionId).inserted else { return }
        let tokens = Set(m.tokens)
        let frame = Self.marketResolvedFrame(m, winner: winner, timestampMs: simNow * 1000)
        for (id, s) in marketSubscribers where marketCustomFeatures.contains(id) && !s.assets.isDisjoint(with: tokens) {
            s.continuation.yield(frame)
            marketResolvedSent += 1
        }
    }

    /// The event as the venue writes it (feeds notes §2.3 example: ids and timestamp are strings).
    static func marketResolvedFrame(_ m: HistoryMarket, winner: String, timestampMs: Int64) -> String {
        let outcome = m.tokens.firstIndex(of: winner).flatMap { m.outcomes.indices.contains($0) ? m.outcomes[$0] : nil }
        func q(_ s: String) -> String { "\"" + JSONText.escape(s) + "\"" }
        func list(_ a: [String]) -> String { "[" + a.map(q).joined(separator: ",") + "]" }
        return "{\"id\":\(q(String(m.gammaId))),\"question\":\(q(m.question)),\"market\":\(q(m.conditionId)),"
            + "\"slug\":\(q(m.slug)),\"description\":\"\",\"assets_ids\":\(list(m.tokens)),\"outcomes\":\(list(m.outcomes)),"
            + "\"winning_asset_id\":\(q(winner)),\"winning_outcome\":\(q(outcome ?? "")),"
            + "\"event_message\":{\"slug\":\(q(m.eventSlug))},\"timestamp\":\(q(String(timestampMs))),\"tags\":[],"
            + "\"event_type\":\"market_resolved\"}"
    }

    /// Tokens subscribed on market-channel connections with the custom features (tests wait on them).
    public var resolutionWatchedTokens: Set<String> {
        var out = Set<String>()
        for (id, s) in marketSubscribers where marketCustomFeatures.contains(id) { out.formUnion(s.assets) }
        return out
    }

    /// Open market-channel connections.
    public var marketChannelConnections: Int { marketSubscribers.count }
}
