import Foundation
import PolybotCore
import Polymarket

/// A funder wallet the simulated venue knows: a Polymarket proxy (signature type 1), a Gnosis Safe (2) or a
/// deposit wallet (3, POLY_1271) with its owner and the session keys authorised on it.
public struct SimWallet: Sendable, Equatable {
    public var kind: SignatureType
    public var owner: EthAddress
    /// Keys that may trade (not withdraw) for a deposit wallet.
    public var sessionKeys: [EthAddress]
    /// False for a counterfactual deposit wallet (its address is known, no code is deployed yet).
    public var deployed: Bool

    /// Creates a wallet record.
    public init(kind: SignatureType, owner: EthAddress, sessionKeys: [EthAddress] = [], deployed: Bool = true) {
        self.kind = kind
        self.owner = owner
        self.sessionKeys = sessionKeys
        self.deployed = deployed
    }

    /// Whether `key` may sign orders for this wallet.
    public func authorises(_ key: EthAddress) -> Bool { key == owner || sessionKeys.contains(key) }
}

/// The matching engine's state as an order endpoint sees it.
public enum SimEngineState: Sendable, Equatable {
    case up
    /// Restarting: order endpoints answer HTTP 425.
    case restarting
    /// Back, but only post-only orders and cancels are accepted.
    case postOnly
    /// Cancel-only mode: no new orders at all, cancels accepted (hours at the 2026-04-28 cutover).
    case cancelOnly
}

/// What a signer's bucket says about a request.
public enum SimSignerCharge: Sendable, Equatable {
    case admitted(remaining: Int)
    /// Not enough tokens now; retry after this many seconds.
    case limited(retryAfter: Double, remaining: Int)
    /// The request costs more than the bucket can ever hold: split it.
    case overBurst(remaining: Int)
}

extension SimExchange {
    // MARK: - Wallets

    /// Registers a funder wallet (tests, the demo, `POST /_sim/wallets`); its balance starts at the default.
    public func registerWallet(_ address: EthAddress, _ wallet: SimWallet) {
        wallets[address.lowercased] = wallet
        if balances[address.lowercased] == nil { balances[address.lowercased] = startingBalance }
    }

    /// A registered wallet.
    public func wallet(_ address: EthAddress) -> SimWallet? { wallets[address.lowercased] }

    /// Sets an address's exchange allowances to zero (or back to unlimited).
    public func setAllowance(_ address: EthAddress, granted: Bool) {
        if granted { withoutAllowance.remove(address.lowercased) } else { withoutAllowance.insert(address.lowercased) }
    }

    /// The funder an API key's orders of `signatureType` draw on: the key's own address for EOA orders, else the
    /// wallet of that kind the key may sign for.
    public func funder(apiKey: String, signatureType: SignatureType) -> EthAddress? {
        guard let account = accounts[apiKey] else { return nil }
        if signatureType == .eoa { return account.address }
        return wallets.sorted { $0.key < $1.key }.first {
            $0.value.kind == signatureType && $0.value.authorises(account.address)
        }.flatMap { EthAddress($0.key) }
    }

    /// Withdraws (or restores) an address's outcome-token (ERC-1155) approvals on every exchange; pUSD is untouched.
    public func setOutcomeApprovals(_ address: EthAddress, granted: Bool) {
        if granted {
            withoutOutcomeApprovals.remove(address.lowercased)
        } else {
            withoutOutcomeApprovals.insert(address.lowercased)
        }
    }

    /// ERC-1155 `isApprovedForAll(owner, operator)`: approved for every exchange unless withdrawn.
    public func isApprovedForAll(owner: EthAddress, operator: EthAddress) -> Bool {
        !withoutOutcomeApprovals.contains(owner.lowercased)
    }

    /// Whether pUSD allowances to the exchange contracts are in place for an address.
    public func hasAllowance(_ address: EthAddress) -> Bool { !withoutAllowance.contains(address.lowercased) }

    // MARK: - Exchange versions

    /// Puts a market on an exchange version (3: ExchangeV3 — orders signed for its domain, neg risk not separate).
    public func setExchangeVersion(_ version: Int, conditionId: String) {
        marketVersions[conditionId.lowercased()] = version
    }

    /// Every market whose exchange version was set.
    public func exchangeVersions() -> [String: Int] { marketVersions }

    /// A market's exchange version (2 unless set).
    public func exchangeVersion(conditionId: String) -> Int { marketVersions[conditionId.lowercased()] ?? 2 }

    // MARK: - Matching engine

    /// Starts a restart now: 425 for `downSeconds`, then post-only for `postOnlySeconds`.
    public func restartEngine(downSeconds: Double, postOnlySeconds: Double) {
        let now = ContinuousClock.now
        let down = now.advanced(by: .milliseconds(Int64(downSeconds * 1000)))
        engineDownUntil = down
        postOnlyUntil = down.advanced(by: .milliseconds(Int64(postOnlySeconds * 1000)))
    }

    /// Puts the engine in cancel-only mode for `seconds` (0 ends it).
    public func cancelOnly(seconds: Double) {
        cancelOnlyUntil = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
    }

    /// Whole seconds left in the post-only window, rounded up (what `retry_after_seconds` says).
    var postOnlySecondsLeft: Int {
        guard let until = postOnlyUntil else { return 0 }
        let left = until - ContinuousClock.now
        return max(0, Int((Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18).rounded(.up)))
    }

    /// The engine's state now.
    public var engineState: SimEngineState {
        let now = ContinuousClock.now
        if let until = cancelOnlyUntil, now < until { return .cancelOnly }
        if let down = engineDownUntil, now < down { return .restarting }
        if let until = postOnlyUntil, now < until { return .postOnly }
        return .up
    }

    // MARK: - Per-signer buckets

    /// Charges `cost` tokens to a signer's order or cancel bucket (nothing is charged when refused). With no
    /// per-signer limit configured every request is admitted.
    public func chargeSigner(_ signer: EthAddress, cancel: Bool, cost: Int) -> SimSignerCharge {
        let rate = faults.signerRate
        guard rate > 0 else { return .admitted(remaining: Int.max) }
        let burst = Double(max(1, faults.signerBurst))
        let key = (cancel ? "cancel|" : "order|") + signer.lowercased
        let now = ContinuousClock.now
        var bucket = signerBuckets[key] ?? (burst, now)
        let elapsed =
            Double((now - bucket.at).components.attoseconds) / 1e18 + Double((now - bucket.at).components.seconds)
        bucket = (min(burst, bucket.tokens + elapsed * rate), now)
        defer { signerBuckets[key] = bucket }
        if Double(cost) > burst {
            signerRefusals += 1
            return .overBurst(remaining: Int(bucket.tokens))
        }
        if bucket.tokens < Double(cost) {
            signerRefusals += 1
            return .limited(retryAfter: (Double(cost) - bucket.tokens) / rate, remaining: Int(bucket.tokens))
        }
        bucket.tokens -= Double(cost)
        return .admitted(remaining: Int(bucket.tokens))
    }

    /// Takes `cost` tokens after the fact (cancel-all learns its cost once it has cancelled), flooring at zero.
    public func drainSigner(_ signer: EthAddress, cancel: Bool, cost: Int) {
        let key = (cancel ? "cancel|" : "order|") + signer.lowercased
        guard var bucket = signerBuckets[key] else { return }
        bucket.tokens = max(0, bucket.tokens - Double(cost))
        signerBuckets[key] = bucket
    }

    /// The signer (API key address) of an API key.
    public func signer(apiKey: String) -> EthAddress? { accounts[apiKey]?.address }
}
