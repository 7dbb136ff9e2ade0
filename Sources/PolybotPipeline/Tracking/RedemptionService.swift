import Foundation
import Logging
import Metrics
import PolybotCore
import PolybotStore
import Polymarket
import ServiceLifecycle

/// Capital comes back after resolution (live). Every pass reads the funder's `REDEEMABLE` positions
/// (`/v2/positions?status=REDEEMABLE`, venue facts §1.6); a market still listed after the AutoRedeemer's grace
/// (``RedemptionPlan``) is redeemed by Polybot: an EOA funder sends its own `redeemPositions` transaction to the collateral
/// adapter (``Redemption``), then the pUSD it received is checked against the books' payout (1 pUSD per winning share)
/// and any difference raised. Proxy, Safe and deposit-wallet funders redeem through Polymarket's relayer, which this
/// build does not speak: their redeemable markets are raised by name, once each, for the operator.
package actor RedemptionService: Service {
    private let dataAPI: DataAPIClient
    private let rpc: PolygonRPC
    private let key: PrivateKey
    private let signatureType: SignatureType
    private let funder: EthAddress
    private let store: PolybotStore
    private let trading: TradingGate
    private let clock: any PipelineClock
    private let interval: Duration
    private let events: PipelineEvents
    private let logger: Logger
    private var plan: RedemptionPlan
    private var raised: Set<String> = []
    /// Redemptions sent whose receipt is not known yet, by market.
    private var pending: [String: Sent] = [:]
    private let redeemed = Counter(label: "positions.redemptions", dimensions: [("outcome", "redeemed")])
    private let failed = Counter(label: "positions.redemptions", dimensions: [("outcome", "failed")])
    private let mismatched = Counter(label: "positions.redemptions", dimensions: [("outcome", "balance_mismatch")])

    /// Creates the service.
    package init(
        dataAPI: DataAPIClient, rpc: PolygonRPC, key: PrivateKey, signatureType: SignatureType, funder: EthAddress,
        store: PolybotStore, trading: TradingGate, clock: any PipelineClock, interval: Duration = .seconds(60),
        autoRedeemGraceSeconds: Int64 = 600, events: PipelineEvents, logger: Logger
    ) {
        self.dataAPI = dataAPI
        self.rpc = rpc
        self.key = key
        self.signatureType = signatureType
        self.funder = funder
        self.store = store
        self.trading = trading
        self.clock = clock
        self.interval = interval
        self.plan = RedemptionPlan(graceSeconds: autoRedeemGraceSeconds)
        self.events = events
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.clock.every(self.interval) { await self.pass() }
        }
    }

    /// ``tick()`` for the timer: a failure is logged and raised, and tried again on the next pass.
    private func pass() async {
        do { _ = try await tick() } catch {
            failed.increment()
            logger.error("redemption pass failed; tried again on the next pass", metadata: ["error": "\(error)"])
        }
    }

    /// One pass. Returns the markets (condition ids) redeemed in it. A market that fails is raised and does not stop
    /// the others.
    @discardableResult
    package func tick() async throws -> [String] {
        // The kill switch stops everything Polybot sends, redemptions included.
        guard trading.current != .halted else { return [] }
        let rows = try await dataAPI.redeemablePositions(user: funder.address)
        var byMarket: [String: [DataAPIClient.RedeemablePosition]] = [:]
        for r in rows where r.size > .zero { byMarket[r.conditionId, default: []].append(r) }
        var done: [String] = []
        for conditionId in plan.due(listed: Set(byMarket.keys), now: clock.now()) {
            let held = byMarket[conditionId] ?? []
            guard signatureType == .eoa else {
                raiseOnce(
                    conditionId,
                    "market \(conditionId) is resolved and \(Micros.sum(held.map(\.size))) winning shares are still unredeemed; a \(signatureType) funder redeems through Polymarket's relayer, which this build does not send: redeem it on polymarket.com"
                )
                continue
            }
            do {
                if try await redeem(conditionId, held) { done.append(conditionId) }
            } catch {
                failed.increment()
                let problem = "redemption of market \(conditionId) failed: \(error); tried again on a later pass"
                logger.error("redemption failed", metadata: ["problem": "\(problem)"])
                events.publish(.reconciliation(problems: [problem]))
            }
        }
        return done
    }

    /// Raises a problem of a market once.
    private func raiseOnce(_ conditionId: String, _ problem: String) {
        guard raised.insert(conditionId).inserted else { return }
        logger.error("redemption needs the operator", metadata: ["problem": "\(problem)"])
        events.publish(.reconciliation(problems: [problem]))
    }

    /// Sends the funder's own redemption of one market (or follows the one already sent) and checks the pUSD it
    /// brought against the books: the shares our orders booked of the winning tokens, 1 pUSD each.
    private func redeem(_ conditionId: String, _ held: [DataAPIClient.RedeemablePosition]) async throws -> Bool {
        if let sent = pending[conditionId] { return try await follow(conditionId, sent) }
        let negRisk = held.contains(where: \.negativeRisk)
        guard let call = Redemption.call(conditionId: conditionId, negRisk: negRisk) else {
            throw PolymarketHTTPError.invalidRequest("condition id \(conditionId) is not 32 bytes")
        }
        // The Data API can lag the chain: tokens already redeemed (by the AutoRedeemer or an earlier pass) are not
        // redeemed again.
        var onChain = Micros.zero
        for r in held { onChain += try await rpc.positionBalance(owner: funder, tokenId: r.tokenId) }
        guard onChain > .zero else {
            logger.info(
                "redeemable per the Data API, but nothing held on chain", metadata: ["condition": "\(conditionId)"])
            return false
        }
        guard try await rpc.isApprovedForAll(owner: funder, operator: call.to) else {
            raiseOnce(
                conditionId,
                "market \(conditionId): the collateral adapter \(call.to) may not move the funder's outcome tokens (setApprovalForAll on the CTF); approve it, then Polybot redeems"
            )
            return false
        }
        var booked = Micros.zero
        for r in held { booked += try await store.orders.bookedShares(asset: r.tokenId) }
        let venue = Micros.sum(held.map(\.size))
        if booked != venue {
            raiseOnce(
                conditionId,
                "market \(conditionId): the venue lists \(venue) winning shares to redeem, the books hold \(booked)")
        }
        plan.sent(conditionId, now: clock.now())
        let before = try await rpc.collateralBalance(owner: funder)
        let nonce = try await rpc.nonce(of: key.address)
        let gasPrice = try await rpc.gasPrice()
        let gas = try await rpc.estimateGas(from: key.address, to: call.to, data: call.data)
        let tx = EIP1559Transaction(
            chainId: 137, nonce: nonce, maxPriorityFeePerGas: gasPrice, maxFeePerGas: gasPrice * 2,
            gas: gas + gas / 5, to: call.to, data: call.data)
        let hash = try await rpc.sendRawTransaction(try tx.signed(with: key))
        logger.notice(
            "redemption sent",
            metadata: ["condition": "\(conditionId)", "tx": "\(HexCoding.encode(hash))", "shares": "\(booked)"])
        let sent = Sent(hash: hash, before: before, expected: booked)
        pending[conditionId] = sent
        return try await follow(conditionId, sent)
    }

    /// Follows a sent redemption: its receipt (polled for a minute; still unknown, followed again on the next pass,
    /// never sent anew), then the pUSD it brought against the books.
    private func follow(_ conditionId: String, _ sent: Sent) async throws -> Bool {
        let hashText = HexCoding.encode(sent.hash)
        var succeeded: Bool?
        for attempt in 0..<30 {
            succeeded = try await rpc.receiptSucceeded(sent.hash)
            if succeeded != nil || attempt == 29 { break }
            try await clock.sleep(for: .seconds(2))
        }
        guard let succeeded else { return false }
        pending[conditionId] = nil
        guard succeeded else {
            failed.increment()
            events.publish(.reconciliation(problems: ["redemption of market \(conditionId) reverted (tx \(hashText))"]))
            return false
        }
        redeemed.increment()
        let received = try await rpc.collateralBalance(owner: funder) - sent.before
        var details =
            #"{"condition":"\#(conditionId)","tx":"\#(hashText)","expected":"\#(sent.expected)","received":"\#(received)"}"#
        if received != sent.expected {
            // Other fills settling meanwhile move the balance too, and a fractional payout (50/50) pays less: either
            // way the operator looks, nothing is assumed.
            mismatched.increment()
            let problem =
                "redemption of market \(conditionId): pUSD moved by \(received), the books expect \(sent.expected) (1 per winning share)"
            logger.error("pUSD does not match the books after a redemption", metadata: ["problem": "\(problem)"])
            events.publish(.reconciliation(problems: [problem]))
            details = String(details.dropLast()) + #","mismatch":true}"#
        }
        do {
            try await store.audit.append(
                actor: "system", action: "position.redeemed", target: conditionId, details: details)
        } catch {
            logger.error("redemption not audited", metadata: ["error": "\(error)"])
        }
        return true
    }

    /// A redemption sent and not yet seen mined.
    private struct Sent: Sendable {
        var hash: [UInt8]
        var before: Micros
        var expected: Micros
    }
}
