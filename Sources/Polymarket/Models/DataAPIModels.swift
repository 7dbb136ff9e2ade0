import Foundation
import PolybotCore

/// `GET /positions` row.
public struct WirePosition: Decodable, Sendable {
    public var proxyWallet: String?
    public var asset: String?
    public var conditionId: String?
    public var size: LenientDecimal?
    public var avgPrice: LenientDecimal?
    public var initialValue: LenientDecimal?
    public var currentValue: LenientDecimal?
    public var cashPnl: LenientDecimal?
    public var realizedPnl: LenientDecimal?
    public var curPrice: LenientDecimal?
    public var redeemable: LenientBool?
    public var title: String?
    public var eventSlug: String?
    public var outcome: String?
    public var outcomeIndex: LenientInt?
    public var negativeRisk: LenientBool?
}

/// `GET /closed-positions` row: `curPrice` 1 won, 0 lost, other = sold before resolution.
public struct WireClosedPosition: Decodable, Sendable {
    public var proxyWallet: String?
    public var asset: String?
    public var conditionId: String?
    public var avgPrice: LenientDecimal?
    public var totalBought: LenientDecimal?
    public var realizedPnl: LenientDecimal?
    public var curPrice: LenientDecimal?
    public var timestamp: LenientInt?
    public var title: String?
    public var eventSlug: String?
    public var outcome: String?
    public var outcomeIndex: LenientInt?
}

/// `GET /value` row.
public struct WireValue: Decodable, Sendable {
    public var user: String?
    public var value: LenientDecimal?
}

/// `GET /holders` group: the top holders of one outcome token.
public struct WireHolders: Decodable, Sendable {
    public struct Holder: Decodable, Sendable {
        public var proxyWallet: String?
        public var amount: LenientDecimal?
        public var outcomeIndex: LenientInt?
        public var name: String?
        public var pseudonym: String?
    }
    public var token: String?
    public var holders: [Holder]?
}

/// `GET /v1/leaderboard` row (`rank` is a string on the wire).
public struct WireLeaderboardEntry: Decodable, Sendable {
    public var rank: LenientInt?
    public var proxyWallet: String?
    public var userName: String?
    public var vol: LenientDecimal?
    public var pnl: LenientDecimal?
}
