import Foundation
import NIOHTTP1
import PolybotCore

/// The CLOB REST API: books, prices, market info, version, API keys and orders.
public struct ClobClient: Sendable {
    public let baseURL: String
    public let transport: HTTPTransport
    /// L2 credentials and the signer, for order endpoints.
    public var auth: (credentials: ApiCredentials, address: EthAddress)?
    /// Per-signer trading buckets (orders, cancels); nil sends without client-side per-signer pacing.
    public var signerLimits: SignerRateLimiter?
    /// Wall clock for POLY_TIMESTAMP.
    public var now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    /// Creates a client.
    public init(
        baseURL: String, transport: HTTPTransport, auth: (credentials: ApiCredentials, address: EthAddress)? = nil
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
        self.auth = auth
    }

    // MARK: - Public market data

    /// `GET /version`: the exchange protocol version. Orders are signed only for versions this client knows.
    public func version() async throws(PolymarketHTTPError) -> Int {
        struct V: Decodable { var version: LenientInt }
        return Int(try HTTPTransport.decode(V.self, try await get("/version", family: .clobGeneral)).version.value)
    }

    /// `GET /book?token_id=`.
    public func book(tokenId: String) async throws(PolymarketHTTPError) -> OrderBook {
        var q = Query()
        q.add("token_id", tokenId)
        let r = try await get("/book", q, family: .clobBook)
        do { return try OrderBook.decode(r.body) } catch { throw .decode(error) }
    }

    /// `POST /books` for up to 500 tokens.
    public func books(tokenIds: [String]) async throws(PolymarketHTTPError) -> [OrderBook] {
        let body =
            "[" + tokenIds.prefix(500).map { "{\"token_id\":\"\(JSONText.escape($0))\"}" }.joined(separator: ",") + "]"
        let r = try await transport.send(
            .POST, url: baseURL + "/books", body: body, family: .clobBooks, idempotent: true)
        do { return try OrderBook.decodeArray(r.body) } catch { throw .decode(error) }
    }

    /// `GET /midpoint?token_id=`.
    public func midpoint(tokenId: String) async throws(PolymarketHTTPError) -> Micros {
        struct M: Decodable { var mid: LenientDecimal }
        var q = Query()
        q.add("token_id", tokenId)
        let m = try HTTPTransport.decode(M.self, try await get("/midpoint", q, family: .clobPrice))
        guard let v = m.mid.micros else { throw .decode(.invalidField("mid", m.mid.text)) }
        return v
    }

    /// `GET /price?token_id=&side=`: the best price on that side of the book (BUY: the best bid, SELL: the best ask).
    public func price(tokenId: String, side: TradeSide) async throws(PolymarketHTTPError) -> Micros {
        struct P: Decodable { var price: LenientDecimal }
        var q = Query()
        q.add("token_id", tokenId)
        q.add("side", side.rawValue)
        let p = try HTTPTransport.decode(P.self, try await get("/price", q, family: .clobPrice))
        guard let v = p.price.micros else { throw .decode(.invalidField("price", p.price.text)) }
        return v
    }

    /// `GET /prices-history?market=&interval=`: how many points the venue has for a token over the interval.
    public func priceHistoryPoints(tokenId: String, interval: String = "1d") async throws(PolymarketHTTPError) -> Int {
        struct H: Decodable {
            struct Point: Decodable { var t: LenientInt }
            var history: [Point]
        }
        var q = Query()
        q.add("market", tokenId)
        q.add("interval", interval)
        return try HTTPTransport.decode(H.self, try await get("/prices-history", q, family: .clobPrice)).history.count
    }

    /// `GET /markets-by-token/{token_id}`: the condition id a token belongs to.
    public func conditionId(tokenId: String) async throws(PolymarketHTTPError) -> String {
        struct M: Decodable { var condition_id: String }
        return try HTTPTransport.decode(
            M.self, try await get("/markets-by-token/\(tokenId)", family: .clobGeneral)
        ).condition_id
    }

    /// `GET /tick-size?token_id=`.
    public func tickSize(tokenId: String) async throws(PolymarketHTTPError) -> TickSize {
        struct T: Decodable { var minimum_tick_size: LenientDecimal }
        var q = Query()
        q.add("token_id", tokenId)
        let t = try HTTPTransport.decode(T.self, try await get("/tick-size", q, family: .clobTickSize))
        guard
            let tick = TickSize(decimal: t.minimum_tick_size.text)
                ?? t.minimum_tick_size.micros.flatMap({ m in
                    TickSize.allCases.first { $0.micros == m.raw }
                })
        else { throw .decode(.invalidField("minimum_tick_size", t.minimum_tick_size.text)) }
        return tick
    }

    /// `GET /neg-risk?token_id=`.
    public func negRisk(tokenId: String) async throws(PolymarketHTTPError) -> Bool {
        struct N: Decodable { var neg_risk: LenientBool }
        var q = Query()
        q.add("token_id", tokenId)
        return try HTTPTransport.decode(N.self, try await get("/neg-risk", q, family: .clobGeneral)).neg_risk.value
    }

    /// `GET /markets/{condition_id}`.
    public func market(conditionId: String) async throws(PolymarketHTTPError) -> ClobMarket {
        try HTTPTransport.decode(ClobMarket.self, try await get("/markets/\(conditionId)", family: .clobGeneral))
    }

    /// `GET /clob-markets/{condition_id}`: tick size, neg-risk flag and fee schedule in one compact record.
    public func clobMarketInfo(conditionId: String) async throws(PolymarketHTTPError) -> ClobMarketInfo {
        try HTTPTransport.decode(
            ClobMarketInfo.self, try await get("/clob-markets/\(conditionId)", family: .clobGeneral))
    }

    /// `GET /time`: server Unix seconds.
    public func serverTime() async throws(PolymarketHTTPError) -> Int64 {
        try HTTPTransport.decode(LenientInt.self, try await get("/time", family: .clobGeneral)).value
    }

    // MARK: - API keys (L1)

    /// Creates (`POST /auth/api-key`) or, when that fails, derives (`GET /auth/derive-api-key`) API credentials.
    public func createOrDeriveApiKey(key: PrivateKey, chainId: UInt64, nonce: UInt64 = 0) async throws -> ApiCredentials
    {
        struct Creds: Decodable {
            var apiKey: String
            var secret: String
            var passphrase: String
        }
        let headers = try ClobAuth.headers(key: key, timestamp: now(), nonce: nonce, chainId: chainId)
        do {
            let r = try await transport.send(
                .POST, url: baseURL + "/auth/api-key", headers: headers, family: .clobAuth, idempotent: false)
            let c = try HTTPTransport.decode(Creds.self, r)
            return ApiCredentials(apiKey: c.apiKey, secret: c.secret, passphrase: c.passphrase)
        } catch {
            let again = try ClobAuth.headers(key: key, timestamp: now(), nonce: nonce, chainId: chainId)
            let r = try await transport.send(
                .GET, url: baseURL + "/auth/derive-api-key", headers: again, family: .clobAuth, idempotent: true)
            let c = try HTTPTransport.decode(Creds.self, r)
            return ApiCredentials(apiKey: c.apiKey, secret: c.secret, passphrase: c.passphrase)
        }
    }

    // MARK: - Orders (L2)

    /// `POST /order` with the exact signed body. Never retried here: on a timeout the caller must look the order up
    /// (``order(id:)`` / ``openOrders()``) before deciding anything.
    ///
    /// `lastCheck` runs after every wait for a rate-limit token, right before the request is sent: false withholds it
    /// (``PolymarketHTTPError/withheld``), so a halt during those waits still stops the order.
    public func postOrder(
        body: String, lastCheck: (@Sendable () -> Bool)? = nil
    ) async throws(PolymarketHTTPError) -> OrderPostResponse {
        try await pace(.orders, cost: 1)
        let r = try await transport.send(
            .POST, url: baseURL + "/order", headers: try l2("POST", "/order", body), body: body,
            family: .clobPostOrder, idempotent: false, lastCheck: lastCheck)
        await signerLimits?.observe(.orders, headers: r.headers)
        return try HTTPTransport.decode(OrderPostResponse.self, r)
    }

    /// Waits for the signer's tokens; a request above the burst is never sent (the venue would refuse it for good).
    private func pace(_ bucket: SignerBucket, cost: Int) async throws(PolymarketHTTPError) {
        guard let signerLimits else { return }
        do throws(SignerLimitError) { try await signerLimits.acquire(bucket, cost: cost) } catch {
            if case .cancelled = error { throw .transport("cancelled") }
            throw .invalidRequest("\(error)")
        }
    }

    /// The largest batch the signer's order bucket admits (and the venue's 15-order cap).
    public func orderBatchLimit() async -> Int { min(15, await signerLimits?.burst(.orders) ?? 15) }

    /// `POST /orders`: several signed bodies (each exactly as for `POST /order`) in one request; never retried.
    /// Batches larger than ``orderBatchLimit()`` are split, in order; the answers come back in the same order.
    public func postOrders(bodies: [String]) async throws(PolymarketHTTPError) -> [OrderPostResponse] {
        let limit = await orderBatchLimit()
        var out: [OrderPostResponse] = []
        var start = 0
        while start < bodies.count {
            let chunk = bodies[start..<min(bodies.count, start + limit)]
            start += chunk.count
            try await pace(.orders, cost: chunk.count)
            let body = "[" + chunk.joined(separator: ",") + "]"
            let r = try await transport.send(
                .POST, url: baseURL + "/orders", headers: try l2("POST", "/orders", body), body: body,
                family: .clobPostOrder, idempotent: false)
            await signerLimits?.observe(.orders, headers: r.headers)
            out += try HTTPTransport.decode([OrderPostResponse].self, r)
        }
        return out
    }

    /// `DELETE /orders` for several order ids.
    public func cancel(orderIds: [String]) async throws(PolymarketHTTPError) -> HTTPResult {
        try await pace(.cancels, cost: orderIds.count)
        let body = "[" + orderIds.map { "\"\(JSONText.escape($0))\"" }.joined(separator: ",") + "]"
        let r = try await transport.send(
            .DELETE, url: baseURL + "/orders", headers: try l2("DELETE", "/orders", body), body: body,
            family: .clobCancel, idempotent: true)
        await signerLimits?.observe(.cancels, headers: r.headers)
        return r
    }

    /// `DELETE /cancel-all`.
    /// Costs 1 cancel token up front and one more per order it cancelled (charged once the answer says how many).
    public func cancelAll() async throws(PolymarketHTTPError) -> HTTPResult {
        try await pace(.cancels, cost: 1)
        let r = try await transport.send(
            .DELETE, url: baseURL + "/cancel-all", headers: try l2("DELETE", "/cancel-all", nil),
            family: .clobCancel, idempotent: true)
        if let object = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any],
            let canceled = object["canceled"] as? [Any]
        {
            await signerLimits?.drain(.cancels, cost: canceled.count)
        }
        await signerLimits?.observe(.cancels, headers: r.headers)
        return r
    }

    /// `DELETE /order` for one order id.
    public func cancel(orderId: String) async throws(PolymarketHTTPError) -> HTTPResult {
        try await pace(.cancels, cost: 1)
        let body = "{\"orderID\":\"\(JSONText.escape(orderId))\"}"
        let r = try await transport.send(
            .DELETE, url: baseURL + "/order", headers: try l2("DELETE", "/order", body), body: body,
            family: .clobCancel, idempotent: true)
        await signerLimits?.observe(.cancels, headers: r.headers)
        return r
    }

    // MARK: - Account (L2)

    /// `GET /balance-allowance` for pUSD (`COLLATERAL`) of the funder of `signatureType`.
    public func collateralBalance(signatureType: UInt8) async throws(PolymarketHTTPError) -> ClobBalanceAllowance {
        var q = Query()
        q.add("asset_type", "COLLATERAL")
        q.add("signature_type", Int(signatureType))
        let r = try await transport.send(
            .GET, url: q.url(baseURL, "/balance-allowance"), headers: try l2("GET", "/balance-allowance", nil),
            family: .clobGeneral, idempotent: true)
        return try HTTPTransport.decode(ClobBalanceAllowance.self, r)
    }

    /// `GET /auth/ban-status/closed-only`: true when the account may only close positions.
    public func closedOnly() async throws(PolymarketHTTPError) -> Bool {
        let path = "/auth/ban-status/closed-only"
        let r = try await transport.send(
            .GET, url: baseURL + path, headers: try l2("GET", path, nil), family: .clobAuth, idempotent: true)
        struct Answer: Decodable { var closed_only: Bool }
        return try HTTPTransport.decode(Answer.self, r).closed_only
    }

    /// `POST /v1/heartbeats` `{"heartbeat_id": previous}` → the next id of the chain (venue facts §4.4): while heartbeats
    /// arrive every 5 s the venue keeps this API key's orders; missing the 10 s deadline cancels them all. A chain the
    /// venue does not recognise is answered with the id it expects (``HeartbeatAnswer/expected``).
    public func heartbeat(previous: String) async throws(PolymarketHTTPError) -> HeartbeatAnswer {
        let path = "/v1/heartbeats"
        let body = "{\"heartbeat_id\":\"\(JSONText.escape(previous))\"}"
        struct Wire: Decodable {
            var heartbeat_id: String?
            var error_msg: String?
        }
        let r: HTTPResult
        do {
            r = try await transport.send(
                .POST, url: baseURL + path, headers: try l2("POST", path, body), body: body, family: .clobGeneral,
                idempotent: false)
        } catch .status(400, let message) {
            // `{"error_msg":"Invalid Heartbeat ID","heartbeat_id":"<expected>"}`: the body is in the message.
            if let w = try? WireJSON.decode(Wire.self, from: Data(message.utf8)), let expected = w.heartbeat_id {
                return .expected(expected)
            }
            throw .status(400, message: message)
        }
        guard let id = try HTTPTransport.decode(Wire.self, r).heartbeat_id, !id.isEmpty else {
            throw .decode(.missingField("heartbeat_id"))
        }
        return .next(id)
    }

    /// `GET /data/trades?id=…`: one of our trades by id (nil while the venue does not list it).
    public func trade(id: String) async throws(PolymarketHTTPError) -> ClobTrade? {
        var q = Query()
        q.add("id", id)
        let r = try await transport.send(
            .GET, url: q.url(baseURL, "/data/trades"), headers: try l2("GET", "/data/trades", nil), family: .clobData,
            idempotent: true)
        return try HTTPTransport.decode(ClobPage<ClobTrade>.self, r).data.first { $0.id == id }
    }

    /// `GET /data/order/{id}`; nil when the CLOB does not know it.
    public func order(id: String) async throws(PolymarketHTTPError) -> ClobOpenOrder? {
        let path = "/data/order/\(id)"
        do {
            let r = try await transport.send(
                .GET, url: baseURL + path, headers: try l2("GET", path, nil), family: .clobData,
                idempotent: true)
            if r.body.isEmpty || r.body == Data("null".utf8) { return nil }
            return try HTTPTransport.decode(ClobOpenOrder.self, r)
        } catch .status(404, _) {
            return nil
        }
    }

    /// All open orders (cursor walk until `LTE=`); the HMAC path excludes the query string.
    public func openOrders(market: String? = nil) async throws(PolymarketHTTPError) -> [ClobOpenOrder] {
        try await walk("/data/orders", market: market)
    }

    /// Our trades (cursor walk), optionally after a Unix time.
    public func trades(market: String? = nil, after: Int64? = nil) async throws(PolymarketHTTPError) -> [ClobTrade] {
        try await walk("/data/trades", market: market, after: after)
    }

    private func walk<T: Decodable & Sendable>(
        _ path: String, market: String? = nil, after: Int64? = nil
    )
        async throws(PolymarketHTTPError) -> [T]
    {
        var out: [T] = []
        var cursor = ClobPage<T>.start
        while cursor != ClobPage<T>.end {
            var q = Query()
            q.add("market", market)
            q.add("after", after.map(String.init))
            q.add("next_cursor", cursor)
            let r = try await transport.send(
                .GET, url: q.url(baseURL, path), headers: try l2("GET", path, nil), family: .clobData,
                idempotent: true)
            let page = try HTTPTransport.decode(ClobPage<T>.self, r)
            out += page.data
            guard let next = page.next_cursor, !next.isEmpty, next != cursor else { break }
            cursor = next
        }
        return out
    }

    private func get(
        _ path: String, _ q: Query = Query(), family: EndpointFamily
    ) async throws(PolymarketHTTPError) -> HTTPResult {
        try await transport.send(.GET, url: q.url(baseURL, path), family: family, idempotent: true)
    }

    private func l2(_ method: String, _ path: String, _ body: String?) throws(PolymarketHTTPError) -> [(String, String)]
    {
        guard let auth else {
            throw .invalidRequest(
                "\(method) \(path) needs API credentials (POLY_API_KEY, POLY_API_SECRET, POLY_PASSPHRASE)")
        }
        do {
            return try L2Auth.headers(
                credentials: auth.credentials, address: auth.address, timestamp: now(), method: method,
                path: path, body: body)
        } catch {
            throw .invalidRequest("\(error)")
        }
    }
}

/// The venue's answer to a heartbeat.
public enum HeartbeatAnswer: Sendable, Equatable {
    /// Accepted; send this id with the next one.
    case next(String)
    /// The chain was not recognised; the venue expects this id.
    case expected(String)
}
