/// When Polybot redeems a resolved market's winning shares itself (pure, injected time). Polymarket's AutoRedeemer
/// covers some markets and no source says which (venue facts; decision 0013), so each market first seen redeemable
/// gets `graceSeconds` for the AutoRedeemer; still redeemable after that, it is ours to redeem, and a redemption sent
/// is not sent again for `retrySeconds` (its transaction may still be pending). A market no longer listed is done.
public struct RedemptionPlan: Sendable, Equatable {
    public let graceSeconds: Int64
    public let retrySeconds: Int64
    /// Condition id → when it was first seen redeemable.
    public private(set) var firstSeen: [String: Int64] = [:]
    /// Condition id → when we last sent its redemption.
    public private(set) var sent: [String: Int64] = [:]

    /// A plan with the AutoRedeemer's grace and the wait before a redemption is sent again.
    public init(graceSeconds: Int64, retrySeconds: Int64 = 120) {
        self.graceSeconds = max(0, graceSeconds)
        self.retrySeconds = max(1, retrySeconds)
    }

    /// The markets (condition ids) to redeem now, given those listed redeemable at `now`.
    public mutating func due(listed: Set<String>, now: Int64) -> [String] {
        firstSeen = firstSeen.filter { listed.contains($0.key) }
        sent = sent.filter { listed.contains($0.key) }
        for c in listed where firstSeen[c] == nil { firstSeen[c] = now }
        return listed.filter { c in
            guard let seen = firstSeen[c], now - seen >= graceSeconds else { return false }
            return sent[c].map { now - $0 >= retrySeconds } ?? true
        }.sorted()
    }

    /// A redemption of `conditionId` was sent at `now`.
    public mutating func sent(_ conditionId: String, now: Int64) { sent[conditionId] = now }
}
