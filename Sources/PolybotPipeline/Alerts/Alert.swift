import Foundation
import PolybotCore

/// Something the operator should hear about now.
package struct Alert: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable {
        case signal, fill
        case riskHalt = "risk_halt"
        case feedStall = "feed_stall"
        case feedDivergence = "feed_divergence"
        case tradeRetracted = "trade_retracted"
        case reconciliation
    }
    package var kind: Kind
    /// Same key within the dedupe window → sent once.
    package var key: String
    package var title: String
    package var text: String
    package var at: Int64

    /// Creates an alert.
    package init(kind: Kind, key: String, title: String, text: String, at: Int64) {
        self.kind = kind
        self.key = key
        self.title = title
        self.text = text
        self.at = at
    }

    /// The alert a pipeline event warrants, if any (pure).
    package static func from(_ event: PipelineEvent, now: Int64) -> Alert? {
        switch event {
        case .signal(let s, let id):
            return Alert(
                kind: .signal, key: "signal:\(id)", title: "Copy signal #\(id)",
                text:
                    "\(s.agreeing.count) whales agree on \(s.outcome) in \(s.conditionId) at \(s.whaleAveragePrice) (ask \(s.bestAsk))",
                at: now)
        case .order(let o) where o.filledSize > .zero && o.status.isTerminal || o.status == .filled:
            return Alert(
                kind: .fill, key: "fill:\(o.id):\(o.filledSize.raw)",
                title: "\(o.side.rawValue) filled (order #\(o.id))",
                text:
                    "\(o.filledSize) shares at \(o.averageFillPrice.map { "\($0)" } ?? "?") in \(o.conditionId) [\(o.mode.rawValue)]",
                at: now)
        case .tradingState(let s, let reason) where s == .halted || s == .reduceOnly:
            return Alert(
                kind: .riskHalt, key: "state:\(s.rawValue):\(reason)", title: "Trading \(s.rawValue)", text: reason,
                at: now)
        case .feed(let status) where status.hasPrefix("stalled"):
            return Alert(
                kind: .feedStall, key: "feed:stalled", title: "Trade feed stalled",
                text: "trade feed \(status); reconnecting and backfilling", at: now)
        case .feed(let status) where status.hasPrefix("divergence"):
            let cleared = status == "divergence cleared"
            return Alert(
                kind: .feedDivergence, key: "feed:divergence:\(cleared ? "cleared" : "on")",
                title: cleared ? "Trade sources agree again" : "Trade sources disagree", text: status, at: now)
        case .feed(let status) where status.hasPrefix("data-api "):
            let stale = status.hasPrefix("data-api stale")
            return Alert(
                kind: .feedDivergence, key: "feed:data-api:\(stale ? "stale" : "fresh")",
                title: stale ? "The Data API is behind the chain" : "The Data API is fresh again", text: status, at: now
            )
        case .feed(let status) where status.hasPrefix("alarm: "):
            return Alert(
                kind: .feedDivergence, key: "feed:" + status, title: "Trade source alarm",
                text: String(status.dropFirst(7)), at: now)
        case .feed(let status) where status.hasPrefix("retracted"):
            return Alert(
                kind: .tradeRetracted, key: "feed:\(status.hashValue)",
                title: "A whale trade behind a signal was retracted",
                text: status, at: now)
        case .reconciliation(let problems) where !problems.isEmpty:
            return Alert(
                kind: .reconciliation, key: "reconciliation:\(problems.joined().hashValue)",
                title: "Reconciliation: \(problems.count) problem(s)",
                text: problems.joined(separator: "\n"), at: now)
        default:
            return nil
        }
    }
}

/// Drops an alert whose key was sent within the window (pure state).
package struct AlertDeduper: Sendable {
    package let windowSeconds: Int64
    private var sent: [String: Int64] = [:]

    /// Creates a deduper.
    package init(windowSeconds: Int64) { self.windowSeconds = windowSeconds }

    /// True when the alert should go out (and remembers it).
    package mutating func admit(_ a: Alert) -> Bool {
        sent = sent.filter { a.at - $0.value < windowSeconds }
        if sent[a.key] != nil { return false }
        sent[a.key] = a.at
        return true
    }
}
