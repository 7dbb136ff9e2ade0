import PolybotCore

/// Which fee schedule each simulated market gets: none (the recorded data predates fees), one schedule for all, or the
/// venue's 2026 schedule per category (decision 0009: politics 0.04, crypto 0.07, sports 0.03, each exponent 1 and
/// taker-only, makers rebated 25 %). Categories are read from the market's event slug and question, since the recorded
/// files carry no category: the guess is written with the market (`feeType`), so a report says what it assumed.
public enum FeePlan: Sendable, Equatable {
    case none
    case uniform(FeeSchedule, type: String)
    case venue2026

    /// Parses `none`, `2026`, or `RATE:EXPONENT` (e.g. `0.04:1`).
    public init?(_ text: String) {
        switch text {
        case "none": self = .none
        case "2026": self = .venue2026
        default:
            let parts = text.split(separator: ":")
            guard parts.count == 2, let rate = Micros(decimal: String(parts[0])), let e = Int(parts[1]),
                let s = FeeSchedule(rate: rate, exponent: e)
            else { return nil }
            self = .uniform(s, type: "uniform")
        }
    }

    /// The 2026 schedules by category.
    public static func schedule2026(category: String) -> FeeSchedule {
        let rate: Int64 =
            switch category {
            case "crypto": 70_000
            case "sports": 30_000
            default: 40_000
            }
        // A rate and rebate in 0…1 with exponent 1 always make a schedule (the initializer refuses only other values).
        return FeeSchedule(rate: Micros(rate), exponent: 1, takerOnly: true, rebateRate: Micros(250_000))!
    }

    /// The category a market is read as (`crypto`, `sports` or `politics`, the default).
    public static func category(of market: HistoryMarket) -> String {
        let text = (market.eventSlug + " " + market.slug + " " + market.question).lowercased()
        let crypto = ["bitcoin", "btc", "ethereum", "eth-", "solana", "crypto", "xrp", "dogecoin"]
        let sports = [
            "nba", "nfl", "nhl", "mlb", "ufc", "premier-league", "champions-league", "tennis", "esports", "lol-",
            "cs2", "dota", "valorant", "fifa", " vs ", "-vs-",
        ]
        if crypto.contains(where: text.contains) { return "crypto" }
        if sports.contains(where: text.contains) { return "sports" }
        return "politics"
    }

    /// The fee fields of one market under this plan (nil: none shown, free).
    public func fees(for market: HistoryMarket) -> GammaFees? {
        switch self {
        case .none: return nil
        case .uniform(let s, let type): return GammaFees(type: type, schedule: s)
        case .venue2026:
            let c = Self.category(of: market)
            return GammaFees(type: c, schedule: Self.schedule2026(category: c))
        }
    }
}
