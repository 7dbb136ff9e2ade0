import Foundation
import PolybotCore
import Polymarket

extension SimExchange {
    // MARK: - API keys (L1)

    /// Credentials for (address, nonce), created on first use and stable afterwards (create and derive agree).
    public func credentials(for address: EthAddress, nonce: UInt64) -> ApiCredentials {
        let seed = Array("\(address.lowercased)|\(nonce)".utf8)
        let h = Keccak256.hash(Array("apikey|".utf8) + seed)
        let hex = HexCoding.encode(h, prefix: false)
        let uuid =
            "\(hex.prefix(8))-\(hex.dropFirst(8).prefix(4))-\(hex.dropFirst(12).prefix(4))-\(hex.dropFirst(16).prefix(4))-\(hex.dropFirst(20).prefix(12))"
        let secret = Data(Keccak256.hash(Array("secret|".utf8) + seed)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let passphrase = HexCoding.encode(Keccak256.hash(Array("pass|".utf8) + seed).prefix(16), prefix: false)
        let creds = ApiCredentials(apiKey: uuid, secret: secret, passphrase: passphrase)
        if accounts[uuid] == nil {
            accounts[uuid] = Account(address: address, credentials: creds)
            accountsByAddress[address.lowercased] = uuid
            if balances[address.lowercased] == nil { balances[address.lowercased] = startingBalance }
        }
        return creds
    }

    /// Credits pUSD (test and demo set-up).
    public func credit(_ address: EthAddress, _ amount: Micros) {
        balances[address.lowercased, default: .zero] += amount
    }

    /// pUSD balance of an address.
    public func balance(of address: EthAddress) -> Micros { balances[address.lowercased] ?? .zero }

    /// Shares of a token held by an address.
    public func holding(of address: EthAddress, token: String) -> Micros {
        holdings[address.lowercased]?[token] ?? .zero
    }

    // MARK: - L2 authentication

    /// Verifies the five L2 headers over the exact request (path without prefix or query).
    public func authenticate(
        headers: [String: String], method: String, path: String, body: String?
    ) throws(SimRejection) -> String {
        let unauthorized = SimRejection(status: 401, message: "Unauthorized/Invalid api key")
        guard let key = headers["poly_api_key"], let account = accounts[key],
            let ts = headers["poly_timestamp"].flatMap(Int64.init),
            let signature = headers["poly_signature"], headers["poly_passphrase"] == account.credentials.passphrase,
            let address = headers["poly_address"], address.lowercased() == account.address.lowercased
        else { throw unauthorized }
        guard
            let expected = try? L2Auth.signature(
                secret: account.credentials.secret, timestamp: ts, method: method, path: path,
                body: body),
            expected == signature
        else { throw unauthorized }
        return key
    }

    // MARK: - Orders

    /// Validates, signs-checks and executes a POST /order body for an authenticated API key.
    ///
    /// - Returns: the response JSON.
    /// - Throws: ``SimRejection`` with the CLOB's message.
    public func placeOrder(apiKey: String, body: String, wallNow: Int64) throws(SimRejection) -> String {
        let invalid = SimRejection(status: 400, message: "Invalid order payload")
        guard let account = accounts[apiKey],
            let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any],
            let o = object["order"] as? [String: Any]
        else { throw invalid }
        guard (object["owner"] as? String) == apiKey else {
            throw SimRejection(status: 400, message: "the order owner has to be the owner of the API KEY")
        }
        guard let orderType = (object["orderType"] as? String).flatMap(OrderType.init(rawValue:)),
            let salt = (o["salt"] as? NSNumber)?.uint64Value, let makerText = o["maker"] as? String,
            let maker = EthAddress(makerText),
            let signerText = o["signer"] as? String, let signer = EthAddress(signerText),
            let tokenId = o["tokenId"] as? String,
            UInt256Word(decimal: tokenId) != nil, let makerAmount = (o["makerAmount"] as? String).flatMap(Int64.init),
            let takerAmount = (o["takerAmount"] as? String).flatMap(Int64.init), makerAmount > 0, takerAmount > 0,
            let side = (o["side"] as? String).flatMap(TradeSide.init(rawValue:)),
            let expiration = (o["expiration"] as? String).flatMap(Int64.init),
            let sigTypeRaw = (o["signatureType"] as? NSNumber)?.uint8Value,
            let sigType = SignatureType(rawValue: sigTypeRaw),
            let timestamp = (o["timestamp"] as? String).flatMap(UInt64.init),
            let metadata = (o["metadata"] as? String).flatMap({ HexCoding.decode($0) }), metadata.count == 32,
            let builder = (o["builder"] as? String).flatMap({ HexCoding.decode($0) }), builder.count == 32,
            let signatureText = o["signature"] as? String
        else { throw invalid }
        guard let conditionId = tokenMarket[tokenId], let market = markets[conditionId] else {
            throw SimRejection(status: 400, message: "the market is not yet ready to process new orders")
        }
        let signedOrder = OrderV2(
            salt: salt, maker: maker, signer: signer, tokenId: tokenId, makerAmount: makerAmount,
            takerAmount: takerAmount, side: side, signatureType: sigType, timestampMs: timestamp,
            metadata: metadata, builder: builder, expiration: expiration)
        // The market's exchange: V2 (separate neg-risk exchange) or V3 (one exchange, its own domain "3").
        let version = exchangeVersion(conditionId: conditionId)
        guard let domain = ExchangeDomain.forVersion(version, chainId: 137) else {
            throw SimRejection(status: 400, message: "the market is not yet ready to process new orders")
        }
        let negRisk = version == 3 ? false : market.negRisk
        let digest = signedOrder.digest(domain: domain, negRisk: negRisk)
        let orderId = HexCoding.encode(digest)

        // Signatures as the venue checks them: types 0–2 recover to the signer, which must be the API key's address; a
        // proxy (1) or Safe (2) maker must be a wallet of that kind the signer controls; type 3 is the ERC-7739
        // envelope of a deployed deposit wallet (maker == signer == wallet) signed by its owner or a session key.
        switch sigType {
        case .poly1271:
            guard maker == signer, let wallet = wallets[maker.lowercased], wallet.kind == .poly1271 else {
                throw SimRejection(status: 400, message: "invalid signature: maker is not a deposit wallet")
            }
            guard wallet.deployed else {
                throw SimRejection(status: 400, message: "invalid signature: deposit wallet \(maker) is not deployed")
            }
            guard let env = HexCoding.decode(signatureText), env.count > 65,
                let inner = EthSignature(hex: HexCoding.encode(env.prefix(65))),
                let expected = try? Poly1271Envelope.sign(
                    order: signedOrder, domain: domain, negRisk: negRisk,
                    owner: PrivateKey(bytes: [UInt8](repeating: 1, count: 32))),
                env.count == expected.count, Array(env.dropFirst(65)) == Array(expected.dropFirst(65)),
                let key = try? SignatureRecovery.signer(
                    of: Poly1271Envelope.digest(order: signedOrder, domain: domain, negRisk: negRisk),
                    signature: inner)
            else { throw SimRejection(status: 400, message: "invalid signature") }
            guard wallet.authorises(key), key == account.address else {
                throw SimRejection(status: 400, message: "invalid signature: \(key) may not sign for \(maker)")
            }
        default:
            guard let sig = EthSignature(hex: signatureText),
                let recovered = try? SignatureRecovery.signer(of: digest, signature: sig),
                recovered == signer
            else { throw SimRejection(status: 400, message: "invalid signature") }
            guard signer == account.address else {
                throw SimRejection(
                    status: 400, message: "the order signer address has to be the address of the API KEY")
            }
            switch sigType {
            case .eoa:
                if maker != signer { throw invalid }
            case .polyProxy, .polyGnosisSafe:
                guard let wallet = wallets[maker.lowercased], wallet.kind == sigType, wallet.owner == signer else {
                    throw SimRejection(
                        status: 400,
                        message:
                            "invalid signature: \(maker) is not a \(sigType == .polyProxy ? "proxy" : "Safe") wallet of \(signer)"
                    )
                }
            case .poly1271: break
            }
        }

        // Price on tick and in range; size at or above the minimum.
        let shares = side == .buy ? takerAmount : makerAmount
        let usdc = side == .buy ? makerAmount : takerAmount
        let tick = market.tickSize.micros
        let priceExact = usdc * Micros.scale % shares == 0
        let price = Micros(usdc * Micros.scale / shares)
        if orderType == .gtc || orderType == .gtd {
            guard priceExact, price.raw % tick == 0, price.raw >= tick, price.raw <= Micros.scale - tick else {
                throw SimRejection(
                    status: 400,
                    message:
                        "order \(orderId) is invalid. Price (\(price)) breaks minimum tick size rule: \(market.tickSize.rawValue)"
                )
            }
            guard Micros(shares) >= market.minOrderSize else {
                throw SimRejection(
                    status: 400,
                    message:
                        "order \(orderId) is invalid. Size (\(Micros(shares))) lower than the minimum: \(market.minOrderSize)"
                )
            }
        }
        // Expiration: only GTD carries one, at least a minute ahead (the CLOB's security threshold).
        if orderType == .gtd ? expiration < wallNow + 60 : expiration != 0 {
            throw SimRejection(status: 400, message: "invalid expiration")
        }
        guard orders[orderId] == nil else {
            throw SimRejection(status: 400, message: "order \(orderId) is invalid. Duplicated.")
        }

        // Post-only: refused when it would take liquidity; after an engine restart nothing else is accepted.
        let postOnly = object["postOnly"] as? Bool ?? false
        if postOnly && (orderType == .fok || orderType == .fak) {
            throw SimRejection(status: 400, message: "invalid post-only order: FOK and FAK orders cannot be post-only")
        }
        if engineState == .cancelOnly {
            throw SimRejection(
                status: 503,
                message: "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed.")
        }
        if !postOnly && engineState == .postOnly {
            throw SimRejection(
                status: 503, message: "post-only mode: only post-only orders and cancels are allowed",
                code: "post_only_mode", retryAfterSeconds: postOnlySecondsLeft)
        }
        if postOnly, let best = book(token: tokenId).flatMap({ side == .buy ? $0.asks.first : $0.bids.first }),
            side == .buy ? best.price <= price : best.price >= price
        {
            throw SimRejection(status: 400, message: "invalid post-only order: order crosses book")
        }
        if !hasAllowance(maker) { throw SimRejection(status: 400, message: "not enough balance / allowance") }

        // Balance: BUY needs free pUSD for the whole order plus the taker fee on it, SELL the shares (the funder's).
        let owner = maker.lowercased
        if side == .buy {
            let fee = takerFee(market: conditionId, shares: Micros(shares), price: price) ?? .zero
            guard (balances[owner] ?? .zero) - reserved(owner) >= Micros(usdc) + fee else {
                throw SimRejection(status: 400, message: "not enough balance / allowance")
            }
        } else {
            guard (holdings[owner]?[tokenId] ?? .zero) - reservedShares(owner, tokenId) >= Micros(shares) else {
                throw SimRejection(status: 400, message: "not enough balance / allowance")
            }
        }

        // Match against the book (price improvement: fills at the resting level's price).
        var order = SimOrder(
            id: orderId, apiKey: apiKey, maker: owner, tokenId: tokenId, market: conditionId, side: side,
            price: price, originalSize: Micros(shares), matched: .zero, status: "LIVE", orderType: orderType,
            expiration: expiration, createdAt: wallNow, trades: [])
        // A matching delay (the `delayMatching` fault): a resting order is queued unmatched and answered `delayed`.
        let delayed = faults.delayMatching && (orderType == .gtc || orderType == .gtd)
        let levels = delayed ? [] : (book(token: tokenId).map { side == .buy ? $0.asks : $0.bids }) ?? []
        var plan: [(price: Micros, size: Micros)] = []
        var left = Micros(shares)
        for level in levels where left > .zero {
            guard side == .buy ? level.price <= price : level.price >= price else { break }
            let take = min(left, level.size)
            plan.append((level.price, take))
            left -= take
        }
        let fillable = Micros(shares) - left
        if orderType == .fok && left > .zero {
            throw SimRejection(
                status: 400, message: "order couldn't be fully filled. FOK orders are fully filled or killed.")
        }
        if orderType == .fak && fillable == .zero {
            throw SimRejection(
                status: 400,
                message:
                    "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found."
            )
        }
        var hashes: [String] = []
        var spent = Micros.zero
        for (p, s) in plan {
            let fill = execute(&order, price: p, size: s, wallNow: wallNow, taker: true)
            hashes.append(fill.transactionHash)
            spent += s.multiplied(by: p)
        }
        if order.remaining > .zero && (orderType == .fok || orderType == .fak) {
            order.status = "CANCELED"
        } else if order.remaining == .zero {
            order.status = "MATCHED"
        }
        orders[orderId] = order
        if order.status == "LIVE" { sendUser(apiKey: apiKey, orderEvent(order, type: "PLACEMENT")) }
        let status = delayed ? "delayed" : order.matched > .zero ? "matched" : "live"
        let making = side == .buy ? spent : order.matched
        let taking = side == .buy ? order.matched : spent
        // Since 2026-07-24 the venue returns trade ids; settlement hashes are best effort (under `no-hashes` the
        // `transactionsHashes` field is absent, as venue facts §4.3 describe).
        let hashField =
            faults.noHashes ? "" : "\"transactionsHashes\":[\(hashes.map { "\"\($0)\"" }.joined(separator: ","))],"
        return "{\"success\":true,\"errorMsg\":\"\",\"orderID\":\"\(orderId)\",\"status\":\"\(status)\","
            + "\"takingAmount\":\"\(order.matched > .zero ? taking.description : "")\",\"makingAmount\":\"\(order.matched > .zero ? making.description : "")\","
            + hashField + "\"tradeIDs\":[\(order.trades.map { "\"\($0)\"" }.joined(separator: ","))]}"
    }

    /// The taker fee of a match on a market (nil: the market charges none).
    func takerFee(market conditionId: String, shares: Micros, price: Micros) -> Micros? {
        guard let fees = markets[conditionId]?.fees, fees.enabled else { return nil }
        return fees.schedule.takerFee(shares: shares, price: price)
    }

    /// Applies one fill: balances (the taker fee included), holdings, book depletion, user-channel events, and the
    /// fill's `OrderFilled` log (with the taker's `OrdersMatched`) on the simulated chain.
    ///
    /// - Parameter counterparty: the taker of a resting order's fill (the replayed trade's wallet).
    func execute(
        _ order: inout SimOrder, price: Micros, size: Micros, wallNow: Int64, taker: Bool, counterparty: String? = nil
    ) -> SimFill {
        let cost = size.multiplied(by: price)
        // Takers pay the platform fee in pUSD on every match (makers pay none; the maker rebate is not simulated).
        let fee = taker ? (takerFee(market: order.market, shares: size, price: price) ?? .zero) : .zero
        let rateBps = (markets[order.market]?.fees).map { $0.enabled ? $0.schedule.rate.raw / 100 : 0 } ?? 0
        if order.side == .buy {
            balances[order.maker, default: .zero] -= cost + fee
            holdings[order.maker, default: [:]][order.tokenId, default: .zero] += size
        } else {
            holdings[order.maker, default: [:]][order.tokenId, default: .zero] -= size
            balances[order.maker, default: .zero] += cost - fee
        }
        consume(token: order.tokenId, price: price, size: size)
        order.matched += size
        let fillId = UUID().uuidString.lowercased()
        let tx = HexCoding.encode(Keccak256.hash(Array("fill|\(fillId)".utf8)))
        order.trades.append(fillId)
        if let wallet = Address(order.maker) {
            // The chain settles our match as it settles the replayed ones: our order's record (the taker's own, with
            // the match's summary, or a maker's naming its taker), in the block of the market time.
            let settled = Trade(
                transactionHash: tx, wallet: wallet, asset: order.tokenId, conditionId: order.market, side: order.side,
                size: size, price: price, timestamp: simNow, source: .chain)
            chain.append(
                settled, exchange: chainExchange(for: settled), fee: fee, taker: taker ? nil : counterparty)
        }
        let fill = SimFill(
            id: fillId, orderId: order.id, apiKey: order.apiKey, tokenId: order.tokenId, market: order.market,
            side: order.side, size: size, price: price, matchTime: wallNow, transactionHash: tx, status: "MATCHED",
            taker: taker, fee: fee, feeRateBps: rateBps)
        fills.append(fill)
        if order.status == "LIVE" && order.matched > .zero {
            sendUser(apiKey: order.apiKey, orderEvent(order, type: "UPDATE"))
        }
        sendUser(apiKey: order.apiKey, tradeEvent(fill, status: "MATCHED"))
        let now = ContinuousClock.now
        // MATCHED → MINED → CONFIRMED, like a settlement that takes a block and then finality.
        pendingEvents.append((now.advanced(by: .milliseconds(150)), order.apiKey, tradeEvent(fill, status: "MINED")))
        pendingEvents.append(
            (now.advanced(by: .milliseconds(300)), order.apiKey, tradeEvent(fill, status: "CONFIRMED")))
        return fill
    }

    /// Resting orders fill against replayed trades that cross them (up to the trade's size).
    func fillRestingOrders(against t: Trade) {
        guard orders.contains(where: { $0.value.status == "LIVE" && $0.value.tokenId == t.asset }) else { return }
        var available = t.size
        for id in orders.keys.sorted() where available > .zero {
            guard var o = orders[id], o.status == "LIVE", o.tokenId == t.asset else { continue }
            let crosses = o.side == .buy ? t.price <= o.price : t.price >= o.price
            guard crosses else { continue }
            if o.side == .buy, (balances[o.maker] ?? .zero) < o.remaining.multiplied(by: o.price) { continue }
            let take = min(o.remaining, available)
            _ = execute(
                &o, price: o.price, size: take, wallNow: Int64(Date().timeIntervalSince1970), taker: false,
                counterparty: t.wallet.hex)
            available -= take
            if o.remaining == .zero { o.status = "MATCHED" }
            orders[id] = o
        }
    }

    /// Cancels an order of this API key.
    public func cancel(apiKey: String, orderId: String) -> Bool {
        guard var o = orders[orderId], o.apiKey == apiKey, o.status == "LIVE" else { return false }
        o.status = "CANCELED"
        orders[orderId] = o
        sendUser(apiKey: apiKey, orderEvent(o, type: "CANCELLATION"))
        return true
    }

    /// Cancels GTD orders whose expiry has passed (wall clock).
    public func expireOrders(wallNow: Int64) {
        for (id, o) in orders where o.status == "LIVE" && o.orderType == .gtd && o.expiration <= wallNow {
            _ = cancel(apiKey: o.apiKey, orderId: id)
        }
    }

    /// Open orders of an API key.
    public func openOrders(apiKey: String) -> [SimOrder] {
        orders.values.filter { $0.apiKey == apiKey && $0.status == "LIVE" }.sorted { $0.createdAt < $1.createdAt }
    }

    /// One order of an API key.
    public func order(apiKey: String, id: String) -> SimOrder? {
        orders[id].flatMap { $0.apiKey == apiKey ? $0 : nil }
    }

    /// Fills of an API key.
    public func fills(apiKey: String) -> [SimFill] { fills.filter { $0.apiKey == apiKey } }

    /// Counts an authenticated `POST /order` (accepted or not).
    func countOrderPost() { orderPosts += 1 }

    /// Every order ever accepted (tests count duplicates with this).
    public var allOrders: [SimOrder] { Array(orders.values) }

    func reserved(_ owner: String) -> Micros {
        Micros.sum(
            orders.values.filter { $0.maker == owner && $0.status == "LIVE" && $0.side == .buy }.map {
                $0.remaining.multiplied(by: $0.price)
            })
    }

    func reservedShares(_ owner: String, _ token: String) -> Micros {
        Micros.sum(
            orders.values.filter { $0.maker == owner && $0.status == "LIVE" && $0.side == .sell && $0.tokenId == token }
                .map(\.remaining))
    }
}
