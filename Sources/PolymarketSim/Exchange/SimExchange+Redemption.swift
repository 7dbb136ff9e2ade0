import Foundation
import PolybotCore
import Polymarket

/// Resolution payouts and redemption (venue facts §1.5, §3.2): a resolved market pays 1 pUSD per winning share and
/// nothing per losing share, but only once the holder's tokens are redeemed — by Polymarket's AutoRedeemer for the
/// markets it covers, otherwise by the holder's own `redeemPositions(pUSD, 0x0, conditionId, [1,2])` (selector
/// `0x01b7037c`) on the CtfCollateralAdapter (the NegRiskCtfCollateralAdapter for neg-risk markets), which takes the
/// caller's whole YES and NO balances and pays pUSD to it.
extension SimExchange {
    /// CtfCollateralAdapter and NegRiskCtfCollateralAdapter (Polymarket's ts-sdk addresses).
    public static let redeemAdapters: Set<String> = [
        "0xada100db00ca00073811820692005400218fce1f", "0xada2005600dec949baf300f4c6120000bdb6eaab",
    ]

    /// Resolves a market now (tests, `POST /_sim/resolve`): `winner` wins; with `autoRedeem` the AutoRedeemer covers
    /// it and pays every holder at once, otherwise each holder must redeem.
    public func resolve(conditionId: String, winner: String, autoRedeem: Bool) {
        resolvedByControl[conditionId.lowercased()] = (winner, autoRedeem)
        resolvedByControlAt[conditionId.lowercased()] = simNow
        if let m = markets[conditionId.lowercased()] { announceResolution(m, winner: winner) }
        if autoRedeem { autoRedeemDue() }
    }

    /// The market as the venue shows it now: the recorded resolution once its time has passed, or one made by
    /// ``resolve(conditionId:winner:autoRedeem:)``.
    public func currentMarket(_ conditionId: String) -> HistoryMarket? {
        guard var m = markets[conditionId.lowercased()]?.visible(at: simNow) else { return nil }
        if let r = resolvedByControl[m.conditionId] { m.winner = r.winner }
        return m
    }

    /// When a market resolved, as `/v2/resolutions` says: the recorded time, or the simulated time of the control call.
    public func resolutionTime(_ conditionId: String) -> Int64? {
        let id = conditionId.lowercased()
        return resolvedByControlAt[id] ?? markets[id]?.resolvedAt
    }

    /// Whether the AutoRedeemer covers a resolved market (markets resolved by the recorded history: yes).
    func autoRedeems(_ conditionId: String) -> Bool { resolvedByControl[conditionId]?.autoRedeem ?? true }

    /// Pays out the holdings in resolved markets the AutoRedeemer covers (the replay loop calls it).
    func autoRedeemDue() {
        for (owner, tokens) in holdings {
            let markets = Set(tokens.filter { $0.value > .zero }.compactMap { tokenMarket[$0.key] })
            for id in markets.sorted() {
                guard let m = currentMarket(id), m.winner != nil, autoRedeems(id) else { continue }
                redeem(owner: owner, market: m)
                autoRedemptions += 1
            }
        }
    }

    /// Burns an owner's tokens of a resolved market and pays the winning ones; returns the payout.
    @discardableResult
    func redeem(owner: String, market m: HistoryMarket) -> Micros {
        var paid = Micros.zero
        for token in m.tokens {
            let size = holdings[owner]?[token] ?? .zero
            guard size > .zero else { continue }
            holdings[owner]?[token] = .zero
            if token == m.winner { paid += size }
        }
        balances[owner, default: .zero] += paid
        return paid
    }

    /// A holder's positions in resolved markets (`/v2/positions?status=REDEEMABLE|REDEEMABLE_LOST`).
    public func redeemable(owner: EthAddress, won: Bool) -> [(market: HistoryMarket, token: String, size: Micros)] {
        var out: [(market: HistoryMarket, token: String, size: Micros)] = []
        for (token, size) in holdings[owner.lowercased] ?? [:] where size > .zero {
            guard let id = tokenMarket[token], let m = currentMarket(id), let winner = m.winner else { continue }
            if (winner == token) == won { out.append((m, token, size)) }
        }
        return out.sorted { $0.token < $1.token }
    }

    /// Executes a signed raw transaction (`eth_sendRawTransaction`): only a redemption on a collateral adapter is
    /// understood; anything else reverts. Returns the transaction hash, or why it cannot be sent at all.
    public func sendRawTransaction(_ raw: [UInt8]) -> Result<[UInt8], SimRejection> {
        guard let (tx, sender) = EIP1559Transaction.decode(raw: raw) else {
            return .failure(SimRejection(status: 200, message: "invalid transaction"))
        }
        guard tx.chainId == 137 else { return .failure(SimRejection(status: 200, message: "invalid chain id")) }
        let from = sender.lowercased
        guard tx.nonce == nonces[from] ?? 0 else {
            return .failure(SimRejection(status: 200, message: "nonce too low or too high"))
        }
        nonces[from] = tx.nonce + 1
        let hash = Keccak256.hash(raw)
        receipts[HexCoding.encode(hash)] = redeemCall(from: from, to: tx.to, data: tx.data) != nil
        return .success(hash)
    }

    /// What a call would pay (nil: it reverts): a redemption of a resolved market on a collateral adapter, by an owner
    /// whose outcome tokens the adapter may move.
    func redeemCall(from: String, to: EthAddress, data: [UInt8], execute: Bool = true) -> Micros? {
        guard Self.redeemAdapters.contains(to.lowercased), data.count >= 4 + 32 * 4,
            Array(data.prefix(4)) == [0x01, 0xb7, 0x03, 0x7c], !withoutOutcomeApprovals.contains(from)
        else { return nil }
        let conditionId = HexCoding.encode(Array(data[68..<100]))
        guard let m = currentMarket(conditionId), m.winner != nil,
            (m.negRisk ? "0xada2005600dec949baf300f4c6120000bdb6eaab" : "0xada100db00ca00073811820692005400218fce1f")
                == to.lowercased
        else { return nil }
        if !execute {
            return m.tokens.reduce(Micros.zero) { $0 + (m.winner == $1 ? holdings[from]?[$1] ?? .zero : .zero) }
        }
        manualRedemptions += 1
        return redeem(owner: from, market: m)
    }

    /// A receipt: nil while unknown, else whether the transaction succeeded.
    public func receipt(_ hash: String) -> Bool? { receipts[hash.lowercased()] }

    /// The next nonce of an address.
    public func nonce(of address: String) -> UInt64 { nonces[address.lowercased()] ?? 0 }
}
