import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOFoundationCompat
import PolybotCore
import Polymarket

/// Test and operator control of the simulator (never on the real venue's paths).
enum SimControlRoutes {
    static func add(to router: Router<BasicWebSocketRequestContext>, exchange: SimExchange) {
        router.get("/_sim/status") { _, _ -> Response in
            let s = await exchange.status()
            return SimServer.json(
                "{\"published\":\(s.published),\"total\":\(s.total),\"simTime\":\(s.simTime),\"rtdsClients\":\(s.rtds),"
                    + "\"chainHead\":\(await exchange.chainHead),\"rpcSubscribers\":\(await exchange.rpcSubscribers)}"
            )
        }
        router.post("/_sim/publish") { request, _ -> Response in
            let n = Int(request.query("count") ?? "1") ?? 1
            let done = await exchange.publishNext(n)
            return SimServer.json("{\"published\":\(done)}")
        }
        // Mines N empty blocks now (`?blocks=N`, default 1): the chain's head moves past a client's confirmations.
        router.post("/_sim/mine") { request, _ -> Response in
            let n = Int(request.query("blocks") ?? "1") ?? 1
            await exchange.mine(blocks: n)
            return SimServer.json("{\"head\":\(await exchange.chainHead)}")
        }
        router.post("/_sim/faults") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            guard let faults = try? JSONDecoder().decode(SimFaults.self, from: Data(buffer: body)) else {
                return SimServer.error("body must be a SimFaults JSON object", status: .badRequest)
            }
            await exchange.setFaults(faults)
            return SimServer.json("{\"ok\":true}")
        }
        // A funder wallet: `{"address", "type" (1–3), "owner", "sessionKeys": [...], "deployed": true}`.
        router.post("/_sim/wallets") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            guard let o = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any],
                let address = (o["address"] as? String).flatMap({ EthAddress($0) }),
                let kind = (o["type"] as? NSNumber).flatMap({ SignatureType(rawValue: $0.uint8Value) }), kind != .eoa,
                let owner = (o["owner"] as? String).flatMap({ EthAddress($0) })
            else { return SimServer.error("address, type (1-3) and owner required", status: .badRequest) }
            let sessionKeys = ((o["sessionKeys"] as? [String]) ?? []).compactMap { EthAddress($0) }
            await exchange.registerWallet(
                address,
                SimWallet(kind: kind, owner: owner, sessionKeys: sessionKeys, deployed: o["deployed"] as? Bool ?? true))
            return SimServer.json("{\"ok\":true}")
        }
        // Outcome-token approvals: `{"address": "0x…", "outcomeTokens": false}` withdraws that address's ERC-1155
        // approvals on every exchange (`true` restores them); pUSD allowances are untouched.
        router.post("/_sim/approvals") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            guard let o = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any],
                let address = (o["address"] as? String).flatMap({ EthAddress($0) }),
                let granted = o["outcomeTokens"] as? Bool
            else { return SimServer.error("address and outcomeTokens (true|false) required", status: .badRequest) }
            await exchange.setOutcomeApprovals(address, granted: granted)
            return SimServer.json("{\"ok\":true}")
        }
        // Resolves a market now: `{"conditionId":"0x…","winningIndex":0|1,"autoRedeem":true|false}` — with
        // `autoRedeem` the AutoRedeemer pays every holder at once, otherwise each holder redeems with its own transaction.
        router.post("/_sim/resolve") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            guard let o = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any],
                let id = (o["conditionId"] as? String)?.lowercased(), let index = o["winningIndex"] as? Int,
                let market = exchange.markets[id], market.tokens.indices.contains(index)
            else {
                return SimServer.error("conditionId of a known market and winningIndex required", status: .badRequest)
            }
            await exchange.resolve(
                conditionId: id, winner: market.tokens[index], autoRedeem: o["autoRedeem"] as? Bool ?? true)
            return SimServer.json("{\"ok\":true}")
        }
        router.post("/_sim/credit") { request, _ -> Response in
            guard let a = request.query("address").flatMap({ EthAddress($0) }),
                let amount = request.query("amount").flatMap({ Micros(decimal: $0) })
            else { return SimServer.error("address and amount required", status: .badRequest) }
            await exchange.credit(a, amount)
            return SimServer.json("{\"ok\":true}")
        }
    }
}

extension SimExchange {
    /// Counters for `/_sim/status`.
    public func status() -> (published: Int, total: Int, simTime: Int64, rtds: Int) {
        (published, timeline.count, simNow, rtds.count)
    }
}
