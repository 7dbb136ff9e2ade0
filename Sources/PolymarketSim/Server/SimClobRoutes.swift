import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOFoundationCompat
import PolybotCore
import Polymarket

/// CLOB REST: public market data, L1 key endpoints, and L2-authenticated orders.
enum SimClobRoutes {
    static let prefix = "/clob"

    static func add(to group: RouterGroup<BasicWebSocketRequestContext>, exchange: SimExchange) {
        group.get("/version") { _, _ in SimServer.json("{\"version\":2}") }
        group.get("/time") { _, _ in SimServer.json(String(Int64(Date().timeIntervalSince1970))) }
        group.get("/ok") { _, _ in SimServer.json("\"OK\"") }

        group.get("/book") { request, _ -> Response in
            guard let token = request.query("token_id"), let book = await exchange.book(token: token) else {
                return SimServer.error("No orderbook exists for the requested token id", status: .notFound)
            }
            return SimServer.json(SimJSON.book(book))
        }
        group.post("/books") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let array = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [[String: Any]],
                array.count <= 500
            else {
                return SimServer.error("Invalid payload", status: .badRequest)
            }
            var books: [String] = []
            for item in array {
                if let t = item["token_id"] as? String, let b = await exchange.book(token: t) {
                    books.append(SimJSON.book(b))
                }
            }
            return SimServer.json("[" + books.joined(separator: ",") + "]")
        }
        group.get("/midpoint") { request, _ -> Response in
            guard let token = request.query("token_id"), let mid = await exchange.book(token: token)?.midpoint else {
                return SimServer.error("No orderbook exists for the requested token id", status: .notFound)
            }
            return SimServer.json("{\"mid\":\"\(mid)\"}")
        }
        group.get("/tick-size") { request, _ -> Response in
            guard let token = request.query("token_id"), let m = await exchange.market(token: token) else {
                return SimServer.error("market not found", status: .notFound)
            }
            return SimServer.json("{\"minimum_tick_size\":\(m.tickSize.rawValue)}")
        }
        group.get("/neg-risk") { request, _ -> Response in
            guard let token = request.query("token_id"), let m = await exchange.market(token: token) else {
                return SimServer.error("market not found", status: .notFound)
            }
            return SimServer.json("{\"neg_risk\":\(m.negRisk)}")
        }
        // The official client's `get_fee_rate_bps`: `{"base_fee": bps}` (0 for a market without fees).
        group.get("/fee-rate") { request, _ -> Response in
            guard let token = request.query("token_id"), let m = await exchange.market(token: token) else {
                return SimServer.error("market not found", status: .notFound)
            }
            let bps = m.fees.map { $0.enabled ? $0.schedule.rate.raw / 100 : 0 } ?? 0
            return SimServer.json("{\"base_fee\":\(bps)}")
        }
        // The official client resolves a token's condition id here before reading `/clob-markets/{condition_id}`.
        group.get("/markets-by-token/:token_id") { _, context -> Response in
            guard let token = context.parameters.get("token_id"), let m = await exchange.market(token: token) else {
                return SimServer.error("market not found", status: .notFound)
            }
            let tokens = zip(m.tokens, m.outcomes).map { t, o in
                "{\"token_id\":\"\(t)\",\"outcome\":\(SimJSON.string(o))}"
            }
            return SimServer.json(
                "{\"condition_id\":\"\(m.conditionId)\",\"question\":\(SimJSON.string(m.question)),"
                    + "\"tokens\":[\(tokens.joined(separator: ","))]}")
        }
        // The compact record the official client reads for tick size, neg risk and fees (`fd` only when charged).
        group.get("/clob-markets/:condition_id") { _, context -> Response in
            guard let id = context.parameters.get("condition_id")?.lowercased(), let m = exchange.markets[id] else {
                return SimServer.error("market not found", status: .notFound)
            }
            let tokens = zip(m.tokens, m.outcomes).map { t, o in "{\"t\":\"\(t)\",\"o\":\(SimJSON.string(o))}" }
            var fd = ""
            if let f = m.fees, f.enabled { fd = ",\"fd\":{\"r\":\(f.schedule.rate),\"e\":\(f.schedule.exponent)}" }
            return SimServer.json(
                "{\"t\":[\(tokens.joined(separator: ","))],\"mts\":\(m.tickSize.rawValue),\"nr\":\(m.negRisk)\(fd)}")
        }
        group.get("/markets/:condition_id") { request, context -> Response in
            guard let id = context.parameters.get("condition_id")?.lowercased(),
                let m = await exchange.currentMarket(id)
            else {
                return SimServer.error("market not found", status: .notFound)
            }
            let prices = await exchange.lastPrices(tokens: m.tokens)
            let version = await exchange.exchangeVersion(conditionId: m.conditionId)
            let tokens = zip(m.tokens, m.outcomes).map { t, o in
                "{\"token_id\":\"\(t)\",\"outcome\":\(SimJSON.string(o)),\"price\":\(prices[t] ?? Micros(500_000)),\"winner\":\(m.winner == t)}"
            }
            return SimServer.json(
                "{\"condition_id\":\"\(m.conditionId)\",\"question\":\(SimJSON.string(m.question)),\"market_slug\":\(SimJSON.string(m.slug)),"
                    + "\"active\":true,\"closed\":\(m.winner != nil),\"accepting_orders\":\(m.winner == nil),\"neg_risk\":\(m.negRisk),"
                    + "\"minimum_order_size\":\(m.minOrderSize),\"minimum_tick_size\":\(m.tickSize.rawValue),\"version\":\"\(version)\",\"tokens\":[\(tokens.joined(separator: ","))]}"
            )
        }

        // L1: create / derive API keys. The ClobAuth signature must recover to POLY_ADDRESS.
        let l1: @Sendable (Request, SimExchange) async -> Response = { request, exchange in
            let h = request.lowercasedHeaders
            guard let addressText = h["poly_address"], let address = EthAddress(addressText),
                let sigText = h["poly_signature"],
                let signature = EthSignature(hex: sigText), let ts = h["poly_timestamp"],
                let nonce = UInt64(h["poly_nonce"] ?? "0"),
                let recovered = try? SignatureRecovery.signer(
                    of: ClobAuth.digest(address: address, timestamp: ts, nonce: nonce, chainId: 137),
                    signature: signature),
                recovered == address
            else { return SimServer.error("Invalid L1 Request headers", status: .unauthorized) }
            let c = await exchange.credentials(for: address, nonce: nonce)
            return SimServer.json(
                "{\"apiKey\":\"\(c.apiKey)\",\"secret\":\"\(c.secret)\",\"passphrase\":\"\(c.passphrase)\"}")
        }
        group.post("/auth/api-key") { request, _ in await l1(request, exchange) }
        group.get("/auth/derive-api-key") { request, _ in await l1(request, exchange) }

        // L2: orders.
        group.post("/order") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let apiKey: String
            do throws(SimRejection) {
                apiKey = try await exchange.authenticate(
                    headers: request.lowercasedHeaders, method: "POST", path: "/order", body: body)
            } catch {
                return SimServer.error(error.message, status: .init(code: error.status))
            }
            await exchange.countOrderPost()
            let gate = await venueGate(exchange, apiKey: apiKey, cancel: false, cost: 1)
            if let refusal = gate.refusal { return refusal }
            let delay = await exchange.faults.orderDelayMilliseconds
            if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
            let response: String
            do throws(SimRejection) {
                response = try await exchange.placeOrder(
                    apiKey: apiKey, body: body, wallNow: Int64(Date().timeIntervalSince1970))
            } catch {
                return error.response()
            }
            if await exchange.takeTimeoutButFill() {
                // "Timed out but filled": the order is on the book; the caller never hears so.
                try await Task.sleep(for: .milliseconds(Int64(await exchange.faults.holdResponseSeconds * 1000)))
            }
            return SimServer.json(response, headers: gate.headers)
        }
        group.delete("/order") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            let apiKey: String
            do throws(SimRejection) {
                apiKey = try await exchange.authenticate(
                    headers: request.lowercasedHeaders, method: "DELETE", path: "/order", body: body)
            } catch {
                return SimServer.error(error.message, status: .init(code: error.status))
            }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any],
                let id = object["orderID"] as? String
            else { return SimServer.error("Invalid order payload", status: .badRequest) }
            if let refusal = await venueGate(exchange, apiKey: apiKey, cancel: true, cost: 1).refusal { return refusal }
            let ok = await exchange.cancel(apiKey: apiKey, orderId: id)
            return SimServer.json(
                ok
                    ? "{\"canceled\":[\"\(id)\"],\"not_canceled\":{}}"
                    : "{\"canceled\":[],\"not_canceled\":{\"\(id)\":\"order not found or already closed\"}}")
        }
        group.post("/orders") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 22))
            let apiKey: String
            do throws(SimRejection) {
                apiKey = try await exchange.authenticate(
                    headers: request.lowercasedHeaders, method: "POST", path: "/orders", body: body)
            } catch {
                return SimServer.error(error.message, status: .init(code: error.status))
            }
            guard let array = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [Any] else {
                return SimServer.error("Invalid order payload", status: .badRequest)
            }
            guard array.count <= 15 else {
                return SimServer.error(
                    "Too many orders in payload: \(array.count), max allowed: 15", status: .badRequest)
            }
            // All or nothing: the batch is admitted only when the bucket holds a token for every entry.
            let gate = await venueGate(exchange, apiKey: apiKey, cancel: false, cost: array.count)
            if let refusal = gate.refusal { return refusal }
            var results: [String] = []
            for element in array {
                guard let data = try? JSONSerialization.data(withJSONObject: element) else { continue }
                do throws(SimRejection) {
                    results.append(
                        try await exchange.placeOrder(
                            apiKey: apiKey, body: String(decoding: data, as: UTF8.self),
                            wallNow: Int64(Date().timeIntervalSince1970)))
                } catch {
                    results.append(error.batchEntry)
                }
            }
            return SimServer.json("[" + results.joined(separator: ",") + "]", headers: gate.headers)
        }
        group.delete("/orders") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let apiKey: String
            do throws(SimRejection) {
                apiKey = try await exchange.authenticate(
                    headers: request.lowercasedHeaders, method: "DELETE", path: "/orders", body: body)
            } catch {
                return SimServer.error(error.message, status: .init(code: error.status))
            }
            guard let ids = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String] else {
                return SimServer.error("Invalid order payload", status: .badRequest)
            }
            if let refusal = await venueGate(exchange, apiKey: apiKey, cancel: true, cost: ids.count).refusal {
                return refusal
            }
            var canceled: [String] = []
            var notCanceled: [String] = []
            for id in ids {
                if await exchange.cancel(apiKey: apiKey, orderId: id) {
                    canceled.append("\"\(id)\"")
                } else {
                    notCanceled.append("\"\(id)\":\"order not found or already closed\"")
                }
            }
            return SimServer.json(
                "{\"canceled\":[\(canceled.joined(separator: ","))],\"not_canceled\":{\(notCanceled.joined(separator: ","))}}"
            )
        }
        group.delete("/cancel-all") { request, _ -> Response in
            let apiKey: String
            do throws(SimRejection) {
                apiKey = try await exchange.authenticate(
                    headers: request.lowercasedHeaders, method: "DELETE", path: "/cancel-all", body: nil)
            } catch {
                return SimServer.error(error.message, status: .init(code: error.status))
            }
            if let refusal = await venueGate(exchange, apiKey: apiKey, cancel: true, cost: 1).refusal { return refusal }
            var canceled: [String] = []
            for o in await exchange.openOrders(apiKey: apiKey)
            where await exchange.cancel(apiKey: apiKey, orderId: o.id) {
                canceled.append("\"\(o.id)\"")
            }
            // Then one more cancel token per order cancelled (the bucket floors at zero on the standard tier).
            if let signer = await exchange.signer(apiKey: apiKey), !canceled.isEmpty {
                _ = await exchange.chargeSigner(signer, cancel: true, cost: 0)
                await exchange.drainSigner(signer, cancel: true, cost: canceled.count)
            }
            return SimServer.json("{\"canceled\":[\(canceled.joined(separator: ","))],\"not_canceled\":{}}")
        }
        // The dead-man switch: `{"heartbeat_id": previous}` → the next id, or 400 with the id the venue expects.
        group.post("/v1/heartbeats") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            let apiKey: String
            switch await SimClobAccountRoutes.authenticated(request, exchange, "POST", "/v1/heartbeats", body: body) {
            case .failure(let r): return r
            case .success(let key): apiKey = key
            }
            let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
            let previous = object?["heartbeat_id"] as? String ?? ""
            switch await exchange.heartbeat(apiKey: apiKey, previous: previous) {
            case .next(let id): return SimServer.json("{\"heartbeat_id\":\(SimJSON.string(id))}")
            case .expected(let id):
                return SimServer.json(
                    "{\"error_msg\":\"Invalid Heartbeat ID\",\"heartbeat_id\":\(SimJSON.string(id))}",
                    status: .badRequest)
            }
        }
        group.get("/data/orders") { request, _ -> Response in
            let apiKey: String
            do throws(SimRejection) {
                apiKey = try await exchange.authenticate(
                    headers: request.lowercasedHeaders, method: "GET", path: "/data/orders", body: nil)
            } catch {
                return SimServer.error(error.message, status: .init(code: error.status))
            }
            let rows = await exchange.openOrders(apiKey: apiKey)
            let texts = await rows.asyncMap { await exchange.orderJSON($0) }
            return SimServer.json(
                "{\"data\":[\(texts.joined(separator: ","))],\"next_cursor\":\"LTE=\",\"limit\":\(rows.count),\"count\":\(rows.count)}"
            )
        }
        group.get("/data/order/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let apiKey: String
            do throws(SimRejection) {
                apiKey = try await exchange.authenticate(
                    headers: request.lowercasedHeaders, method: "GET", path: "/data/order/\(id)", body: nil)
            } catch {
                return SimServer.error(error.message, status: .init(code: error.status))
            }
            guard let o = await exchange.order(apiKey: apiKey, id: id) else {
                return SimServer.error("order not found", status: .notFound)
            }
            return SimServer.json(await exchange.orderJSON(o))
        }
        group.get("/data/trades") { request, _ -> Response in
            let apiKey: String
            do throws(SimRejection) {
                apiKey = try await exchange.authenticate(
                    headers: request.lowercasedHeaders, method: "GET", path: "/data/trades", body: nil)
            } catch {
                return SimServer.error(error.message, status: .init(code: error.status))
            }
            let after = request.query("after").flatMap(Int64.init) ?? 0
            let id = request.query("id")
            let market = request.query("market")?.lowercased()
            let asset = request.query("asset_id")
            let rows = await exchange.fills(apiKey: apiKey).filter {
                $0.matchTime >= after && (id == nil || $0.id == id) && (market == nil || $0.market == market)
                    && (asset == nil || $0.tokenId == asset)
            }
            let texts = await rows.asyncMap { await exchange.fillJSON($0) }
            return SimServer.json(
                "{\"data\":[\(texts.joined(separator: ","))],\"next_cursor\":\"LTE=\",\"limit\":\(rows.count),\"count\":\(rows.count)}"
            )
        }
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ body: (Element) async -> T) async -> [T] {
        var out: [T] = []
        for e in self { out.append(await body(e)) }
        return out
    }
}

/// The matching engine and per-signer buckets in front of an order or cancel endpoint: a refusal (425 while the engine
/// restarts, 429 with `Retry-After` and the `Poly-RateLimit-*` headers when the signer's bucket is short, 429 without
/// `Retry-After` when the request costs more than the burst) or the headers of an admitted request.
func venueGate(
    _ exchange: SimExchange, apiKey: String, cancel: Bool, cost: Int
) async -> (refusal: Response?, headers: [(String, String)]) {
    if await exchange.engineState == .restarting {
        return (SimServer.error("Too Early: the matching engine is restarting", status: .init(code: 425)), [])
    }
    guard let signer = await exchange.signer(apiKey: apiKey) else { return (nil, []) }
    let tier = ("Poly-RateLimit-Tier", "standard")
    switch await exchange.chargeSigner(signer, cancel: cancel, cost: cost) {
    case .admitted(let remaining):
        return (nil, remaining == Int.max ? [] : [("Poly-RateLimit-Remaining", String(remaining)), tier])
    case .limited(let after, let remaining):
        let r = SimServer.error(
            "Too Many Requests: \(cancel ? "cancel" : "order") bucket", status: .tooManyRequests,
            headers: [
                ("Retry-After", String(Int(after.rounded(.up)))), ("Poly-RateLimit-Remaining", String(remaining)),
                ("Poly-RateLimit-Reset", String(Int64(Date().timeIntervalSince1970 + after.rounded(.up)))), tier,
            ])
        return (r, [])
    case .overBurst(let remaining):
        let r = SimServer.error(
            "Too Many Requests: request costs \(cost) tokens, more than the bucket's burst; split it",
            status: .tooManyRequests, headers: [("Poly-RateLimit-Remaining", String(remaining)), tier])
        return (r, [])
    }
}

extension SimExchange {
    /// The market of a token.
    public func market(token: String) -> HistoryMarket? { tokenMarket[token].flatMap { markets[$0] } }

    /// Consumes one "timed out but filled" fault, if armed.
    func takeTimeoutButFill() -> Bool {
        guard faults.timeoutButFillNextOrders > 0 else { return false }
        faults.timeoutButFillNextOrders -= 1
        return true
    }
}

extension SimRejection {
    /// The venue's answer: `{"error":…}`, plus `code` and `retry_after_seconds` (and the `Retry-After` header) when set.
    func response() -> Response {
        var body = "{\"error\":\(SimJSON.string(message))"
        if let code { body += ",\"code\":\(SimJSON.string(code))" }
        if let retryAfterSeconds { body += ",\"retry_after_seconds\":\(retryAfterSeconds)" }
        return SimServer.json(
            body + "}", status: .init(code: status),
            headers: retryAfterSeconds.map { [("Retry-After", String($0))] } ?? [])
    }
}
