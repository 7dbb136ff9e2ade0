import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import Polymarket

/// The checks before live trading starts. Refusals that make trading impossible stop the daemon with a
/// ``LiveSetupError``: a counterfactual deposit wallet, an unreadable or empty pUSD balance, a missing allowance.
/// Refusals of the venue's access rules (geoblocked, close-only, or either unknown) refuse entries only: trading starts
/// reduce-only with the reason, so exits stay possible.
struct LiveReadiness {
    let clob: ClobClient
    let geoblock: GeoblockClient?
    let rpc: PolygonRPC?
    let logger: Logger

    /// Every exchange a market may be on (its version is per market): CTF Exchange V2, Neg Risk CTF Exchange V2 and
    /// ExchangeV3 (one address for both kinds), each with the ERC-1155 contract whose outcome tokens it moves — the
    /// CTF for V2, the PositionManager for V3's position ids (venue facts §3.2). pUSD must be approved for each; the
    /// retired neg-risk adapter is not required.
    static func exchanges(chainId: UInt64) -> [(name: String, address: EthAddress, outcomeToken: EthAddress)] {
        var out: [(name: String, address: EthAddress, outcomeToken: EthAddress)] = []
        if let v2 = ExchangeDomain.forVersion(2, chainId: chainId) {
            out.append(("CTF Exchange V2 \(v2.exchange)", v2.exchange, PolygonRPC.Contracts.conditionalTokens))
            out.append(
                (
                    "Neg Risk CTF Exchange V2 \(v2.negRiskExchange)", v2.negRiskExchange,
                    PolygonRPC.Contracts.conditionalTokens
                ))
        }
        if let v3 = ExchangeDomain.forVersion(3, chainId: chainId) {
            out.append(("Exchange V3 \(v3.exchange)", v3.exchange, PolygonRPC.Contracts.positionManager))
        }
        return out
    }

    /// Runs every check; returns why entries are refused (nil: they are not).
    ///
    /// - Throws: ``LiveSetupError`` when trading cannot start at all.
    func check(_ live: LiveTrading) async throws -> String? {
        let funder = live.funder ?? live.key.address
        if live.signatureType == .poly1271 {
            if let rpc {
                let code: [UInt8]
                do { code = try await rpc.code(at: funder) } catch {
                    throw LiveSetupError.balanceUnavailable("eth_getCode of deposit wallet \(funder): \(error)")
                }
                if code.isEmpty { throw LiveSetupError.counterfactualWallet(funder) }
            } else {
                logger.warning(
                    "deposit wallet deployment not checked (no POLYBOT_POLYGON_RPC_URL); the CLOB refuses orders of a counterfactual wallet",
                    metadata: ["funder": "\(funder)"])
            }
        }
        let account: ClobBalanceAllowance
        do { account = try await clob.collateralBalance(signatureType: live.signatureType.rawValue) } catch {
            throw LiveSetupError.balanceUnavailable("\(error)")
        }
        guard let balance = account.balanceMicros else {
            throw LiveSetupError.balanceUnavailable("balance \"\(account.balance)\" is not an integer")
        }
        if balance <= .zero { throw LiveSetupError.noBalance(funder) }
        let exchanges = Self.exchanges(chainId: live.domain.chainId)
        let missing = exchanges.filter { !account.allows($0.address) }.map(\.name)
        if !missing.isEmpty { throw LiveSetupError.noAllowance(funder, missing) }
        if let rpc {
            var unapproved: [String] = []
            for e in exchanges {
                do {
                    if try await !rpc.isApprovedForAll(owner: funder, operator: e.address, token: e.outcomeToken) {
                        unapproved.append(e.name)
                    }
                } catch {
                    throw LiveSetupError.approvalUnavailable("isApprovedForAll(\(funder), \(e.address)): \(error)")
                }
            }
            if !unapproved.isEmpty { throw LiveSetupError.noOutcomeApproval(funder, unapproved) }
        } else {
            // Fail closed: without them every exit is refused, and without an RPC they cannot be read.
            throw LiveSetupError.approvalUnavailable(
                "POLYBOT_POLYGON_RPC_URL is not set; live trading needs it to read the outcome-token approvals")
        }
        logger.notice(
            "live account ready",
            metadata: [
                "signature_type": "\(live.signatureType.rawValue)", "funder": "\(funder)", "pusd": "\(balance)",
            ])

        var refusals: [String] = []
        do {
            if try await clob.closedOnly() {
                refusals.append("the account is in close-only mode (the venue accepts only closing orders)")
            }
        } catch {
            refusals.append("close-only status unknown (\(error))")
        }
        if let geoblock {
            do {
                let status = try await geoblock.status()
                if status.blocked {
                    refusals.append(
                        "geoblocked: the venue refuses orders from this IP (\(status.country ?? "?")\(status.region.map { $0.isEmpty ? "" : "/\($0)" } ?? ""))"
                    )
                }
            } catch {
                refusals.append("geoblock status unknown (\(error))")
            }
        }
        guard !refusals.isEmpty else { return nil }
        let reason = "entries refused: " + refusals.joined(separator: "; ") + "; exits stay allowed"
        logger.error("live trading starts reduce-only", metadata: ["reason": "\(reason)"])
        return reason
    }
}
