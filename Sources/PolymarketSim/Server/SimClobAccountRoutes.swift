import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOFoundationCompat
import PolybotCore
import Polymarket

/// CLOB account endpoints the official client calls (L2-authenticated), in the venue's shapes, and the geoblock check.
enum SimClobAccountRoutes {
    /// The pUSD spenders listed for a funder: the V2 exchange, the neg-risk V2 exchange, ExchangeV3 and the retired
    /// neg-risk adapter (still listed; nothing requires it since 2026-07-17).
    static let spenders = [
        "0xE111180000d2663C0091e4f400237545B87B996B", "0xe2222d279d744050d28e00520010520000310F59",
        "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa", "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296",
    ]

    static func add(to group: RouterGroup<BasicWebSocketRequestContext>, exchange: SimExchange) {
        group.get("/auth/api-keys") { request, _ -> Response in
            switch await authenticated(request, exchange, "GET", "/auth/api-keys") {
            case .failure(let r): return r
            case .success(let key): return SimServer.json("{\"apiKeys\":[\"\(key)\"]}")
            }
        }
        // Close-only accounts may cancel and sell, not buy.
        group.get("/auth/ban-status/closed-only") { request, _ -> Response in
            switch await authenticated(request, exchange, "GET", "/auth/ban-status/closed-only") {
            case .failure(let r): return r
            case .success: return SimServer.json("{\"closed_only\":\(await exchange.faults.geoblock == "close-only")}")
            }
        }
        // `asset_type` COLLATERAL (pUSD of the funder of `signature_type`) or CONDITIONAL (`token_id` shares).
        for path in ["/balance-allowance", "/balance-allowance/update"] {
            group.get(RouterPath(path)) { request, _ -> Response in
                let key: String
                switch await authenticated(request, exchange, "GET", path) {
                case .failure(let r): return r
                case .success(let k): key = k
                }
                guard
                    let sigType = request.query("signature_type").flatMap(UInt8.init).flatMap(SignatureType.init)
                        ?? .some(.eoa), let funder = await exchange.funder(apiKey: key, signatureType: sigType)
                else {
                    return SimServer.error("no funder of that signature type for this API key", status: .badRequest)
                }
                let amount: Micros
                switch (request.query("asset_type") ?? "COLLATERAL").uppercased() {
                case "COLLATERAL": amount = await exchange.balance(of: funder)
                case "CONDITIONAL":
                    guard let token = request.query("token_id") else {
                        return SimServer.error("token_id required for CONDITIONAL", status: .badRequest)
                    }
                    amount = await exchange.holding(of: funder, token: token)
                default: return SimServer.error("asset_type must be COLLATERAL or CONDITIONAL", status: .badRequest)
                }
                if path.hasSuffix("/update") { return SimServer.json("{}") }
                let allowance =
                    await exchange.hasAllowance(funder)
                    ? "115792089237316195423570985008687907853269984665640564039457584007913129639935" : "0"
                let allowances = spenders.map { "\"\($0)\":\"\(allowance)\"" }.joined(separator: ",")
                return SimServer.json("{\"balance\":\"\(amount.raw)\",\"allowances\":{\(allowances)}}")
            }
        }
        // Liquidity-reward scoring: a resting order of this key scores.
        group.get("/order-scoring") { request, _ -> Response in
            let key: String
            switch await authenticated(request, exchange, "GET", "/order-scoring") {
            case .failure(let r): return r
            case .success(let k): key = k
            }
            guard let id = request.query("order_id") else {
                return SimServer.error("order_id required", status: .badRequest)
            }
            let live = await exchange.order(apiKey: key, id: id)?.status == "LIVE"
            return SimServer.json("{\"scoring\":\(live)}")
        }
        group.post("/orders-scoring") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let key: String
            switch await authenticated(request, exchange, "POST", "/orders-scoring", body: body) {
            case .failure(let r): return r
            case .success(let k): key = k
            }
            guard let ids = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String] else {
                return SimServer.error("body must be a list of order ids", status: .badRequest)
            }
            var entries: [String] = []
            for id in ids { entries.append("\"\(id)\":\(await exchange.order(apiKey: key, id: id)?.status == "LIVE")") }
            return SimServer.json("{" + entries.joined(separator: ",") + "}")
        }
    }

    /// `GET /api/geoblock` (polymarket.com's check): `{"blocked", "ip", "country", "region"}`.
    static func addGeoblock(to router: Router<BasicWebSocketRequestContext>, exchange: SimExchange) {
        router.get("/api/geoblock") { _, _ -> Response in
            let blocked = await exchange.faults.geoblock == "blocked"
            return SimServer.json(
                "{\"blocked\":\(blocked),\"ip\":\"127.0.0.1\",\"country\":\"\(blocked ? "US" : "IE")\",\"region\":\"\"}"
            )
        }
    }

    /// An L2-authenticated request's API key, or the venue's refusal.
    enum Auth {
        case success(String)
        case failure(Response)
    }

    /// Checks a request's five L2 headers over its exact method, path and body.
    static func authenticated(
        _ request: Request, _ exchange: SimExchange, _ method: String, _ path: String, body: String? = nil
    ) async -> Auth {
        do throws(SimRejection) {
            return .success(
                try await exchange.authenticate(
                    headers: request.lowercasedHeaders, method: method, path: path, body: body))
        } catch {
            return .failure(SimServer.error(error.message, status: .init(code: error.status)))
        }
    }
}
