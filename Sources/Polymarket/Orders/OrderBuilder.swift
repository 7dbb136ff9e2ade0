import PolybotCore

/// Why an order was not built. Trading fails closed: nothing is signed when any check fails.
public enum OrderBuildError: Error, Equatable, CustomStringConvertible {
    case amounts(OrderAmountError)
    case invalidTokenId(String)
    case saltTooLarge(UInt64)
    case expirationNotAllowed(OrderType)
    case expirationTooSoon(expiration: Int64, earliest: Int64)
    case missingExpiration
    case postOnlyNotAllowed(OrderType)
    case signerMismatch(maker: EthAddress, signer: EthAddress)
    case unsupportedSignatureType(SignatureType)
    case signing(SigningError)

    public var description: String {
        switch self {
        case .amounts(let e): "\(e)"
        case .invalidTokenId(let t): "token id \(t) is not a uint256 decimal"
        case .saltTooLarge(let s): "salt \(s) exceeds 2^53 − 1 (the CLOB parses it as a double)"
        case .expirationNotAllowed(let t): "only GTD orders carry an expiration, not \(t.rawValue)"
        case .expirationTooSoon(let e, let earliest):
            "invalid expiration \(e): GTD orders must expire at or after \(earliest) (now + 60 s)"
        case .missingExpiration: "GTD orders need an expiration"
        case .postOnlyNotAllowed(let t): "post-only is not supported for \(t.rawValue) orders"
        case .signerMismatch(let m, let s): "EOA orders need maker == signer (maker \(m), signer \(s))"
        case .unsupportedSignatureType(let t): "signature type \(t.rawValue) needs the deposit wallet as --funder"
        case .signing(let e): "\(e)"
        }
    }
}

/// What to order.
public struct OrderRequest: Sendable {
    public var tokenId: String
    public var side: TradeSide
    /// Limit price (for market orders: the worst price accepted).
    public var price: Micros
    /// Limit orders: shares. Market orders: USDC for BUY, shares for SELL.
    public var size: Micros
    public var orderType: OrderType
    public var tickSize: TickSize
    public var negRisk: Bool
    /// Market's minimum order size in shares (limit orders), if known.
    public var minimumSize: Micros?
    /// GTD expiry, Unix seconds.
    public var expiration: Int64?
    public var postOnly: Bool

    /// Creates a request.
    public init(
        tokenId: String, side: TradeSide, price: Micros, size: Micros, orderType: OrderType = .gtc,
        tickSize: TickSize, negRisk: Bool = false, minimumSize: Micros? = nil, expiration: Int64? = nil,
        postOnly: Bool = false
    ) {
        self.tokenId = tokenId
        self.side = side
        self.price = price
        self.size = size
        self.orderType = orderType
        self.tickSize = tickSize
        self.negRisk = negRisk
        self.minimumSize = minimumSize
        self.expiration = expiration
        self.postOnly = postOnly
    }

    /// True for FOK/FAK.
    public var isMarket: Bool { orderType == .fok || orderType == .fak }
}

/// Builds and signs CLOB V2 orders for one key.
public struct OrderBuilder: Sendable {
    public let key: PrivateKey
    public private(set) var domain: ExchangeDomain
    public let signatureType: SignatureType
    /// The funder; the key's address for EOA orders.
    public let maker: EthAddress
    public let builderCode: [UInt8]
    public let metadata: [UInt8]

    /// Largest salt the CLOB accepts: it parses the JSON number as an IEEE-754 double.
    public static let maxSalt: UInt64 = (1 << 53) - 1

    /// Creates a builder.
    ///
    /// - Throws: ``OrderBuildError/signerMismatch(maker:signer:)`` for EOA orders with a different funder,
    ///   ``OrderBuildError/unsupportedSignatureType(_:)`` for POLY_1271 without a deposit-wallet funder.
    public init(
        key: PrivateKey, domain: ExchangeDomain, signatureType: SignatureType = .eoa, funder: EthAddress? = nil,
        builderCode: [UInt8] = [UInt8](repeating: 0, count: 32), metadata: [UInt8] = [UInt8](repeating: 0, count: 32)
    )
        throws(OrderBuildError)
    {
        let maker = funder ?? key.address
        if signatureType == .eoa && maker != key.address { throw .signerMismatch(maker: maker, signer: key.address) }
        // POLY_1271: the deposit wallet is both maker and signer; the key is its owner and signs an ERC-7739 envelope.
        if signatureType == .poly1271 && funder == nil { throw .unsupportedSignatureType(signatureType) }
        self.key = key
        self.domain = domain
        self.signatureType = signatureType
        self.maker = maker
        self.builderCode = builderCode
        self.metadata = metadata
    }

    /// Validates, computes exact amounts and signs.
    ///
    /// - Parameters:
    ///   - request: what to order.
    ///   - salt: ≤ 2^53 − 1; persist it before sending so a timeout can be resolved by looking the order up.
    ///   - timestampMs: creation time in ms (signed).
    ///   - now: current Unix seconds, for the GTD expiry rule.
    /// - Throws: ``OrderBuildError``.
    public func build(
        _ request: OrderRequest, salt: UInt64, timestampMs: UInt64, now: Int64
    ) throws(OrderBuildError)
        -> SignedOrderV2
    {
        guard UInt256Word(decimal: request.tokenId) != nil else { throw .invalidTokenId(request.tokenId) }
        guard salt <= Self.maxSalt else { throw .saltTooLarge(salt) }
        if request.postOnly && request.isMarket { throw .postOnlyNotAllowed(request.orderType) }
        var expiration: Int64 = 0
        if request.orderType == .gtd {
            guard let e = request.expiration else { throw .missingExpiration }
            guard e >= now + 60 else { throw .expirationTooSoon(expiration: e, earliest: now + 60) }
            expiration = e
        } else if let e = request.expiration, e != 0 {
            throw .expirationNotAllowed(request.orderType)
        }
        let amounts: (maker: Int64, taker: Int64)
        do throws(OrderAmountError) {
            if request.isMarket {
                amounts = try OrderAmounts.market(
                    side: request.side, amount: request.size, price: request.price,
                    tick: request.tickSize)
            } else {
                if let minimum = request.minimumSize, request.size < minimum {
                    throw OrderAmountError.belowMinimumSize(size: request.size, minimum: minimum)
                }
                amounts = try OrderAmounts.limit(
                    side: request.side, price: request.price, size: request.size,
                    tick: request.tickSize)
            }
        } catch {
            throw .amounts(error)
        }
        let order = OrderV2(
            salt: salt, maker: maker, signer: signatureType == .poly1271 ? maker : key.address,
            tokenId: request.tokenId, makerAmount: amounts.maker,
            takerAmount: amounts.taker, side: request.side, signatureType: signatureType, timestampMs: timestampMs,
            metadata: metadata, builder: builderCode, expiration: expiration)
        let digest = order.digest(domain: domain, negRisk: request.negRisk)
        do throws(SigningError) {
            let signature =
                signatureType == .poly1271
                ? HexCoding.encode(
                    try Poly1271Envelope.sign(order: order, domain: domain, negRisk: request.negRisk, owner: key))
                : try key.sign(digest: digest).description
            return SignedOrderV2(order: order, signature: signature, digest: digest)
        } catch {
            throw .signing(error)
        }
    }

    /// The same account signing for another exchange's domain (a market on ExchangeV3, say).
    public func with(domain: ExchangeDomain) -> OrderBuilder {
        var copy = self
        copy.domain = domain
        return copy
    }

    /// A random salt in [0, 2^53 − 1].
    public static func randomSalt() -> UInt64 { UInt64.random(in: 0...maxSalt) }
}
