import Foundation
import PolybotCore

/// One binary market of a recorded history, derived from its trades (and a resolutions file); the simulator serves it.
public struct HistoryMarket: Sendable, Equatable {
    public var conditionId: String
    public var question: String
    public var slug: String
    public var eventSlug: String
    /// Token ids, index = outcome index (0 = first outcome).
    public var tokens: [String]
    public var outcomes: [String]
    public var tickSize: TickSize
    public var minOrderSize: Micros
    public var negRisk: Bool
    /// Winning token once resolved.
    public var winner: String?
    /// Gamma numeric id.
    public var gammaId: Int
    /// The fee fields Gamma shows (nil: none, as in the data from before 2026).
    public var fees: GammaFees? = nil
    /// When the resolution becomes public (sim time, Unix seconds); nil: known from the start.
    public var resolvedAt: Int64? = nil

    /// The market as the venue shows it at sim time `now`: the winner only once its resolution time has passed.
    public func visible(at now: Int64) -> HistoryMarket {
        guard winner != nil, let at = resolvedAt, at > now else { return self }
        var m = self
        m.winner = nil
        return m
    }

    /// The other token of the pair, if known.
    public func complement(of token: String) -> String? {
        guard tokens.count == 2, let i = tokens.firstIndex(of: token) else { return nil }
        return tokens[1 - i]
    }
}
