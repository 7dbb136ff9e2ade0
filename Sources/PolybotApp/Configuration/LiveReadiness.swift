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

    /// The spenders pUSD must be approved for: the domain's exchanges and, for V2's neg-risk markets, the adapter.
    static func spenders(_ domain: ExchangeDomain) -> [(name: String, address: EthAddress)] {
        if domain.exchange == domain.negRiskExchange { return [("exchange \(domain.exchange)", domain.exchange)] }
        return [
            ("exchange \(domain.exchange)", domain.exchange),
            ("neg-risk exchange \(domain.negRiskExchange)", domain.negRiskExchange),
            ("neg-risk adapter \(negRiskAdapter)", negRiskAdapter),
        ]
    }

    /// Polymarket's NegRiskAdapter on Polygon.
    static let negRiskAdapter = EthAddress("0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296")!

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
        let missing = Self.spenders(live.domain).filter { !account.allows($0.address) }.map(\.name)
        if !missing.isEmpty { throw LiveSetupError.noAllowance(funder, missing) }
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
