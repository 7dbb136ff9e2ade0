import Foundation
import PolybotCore

/// One decoded RTDS item.
public enum RTDSMessage: Sendable, Equatable {
    /// An `activity` trade (`trades` or `orders_matched`) with the envelope's server time in ms.
    case trade(Trade, type: String, serverTimeMs: Int64?)
    /// A non-data frame: `PONG`, `pong`, empty text, or anything that is not JSON (feeds-notes §1.5).
    case control(String)
    /// A valid envelope of another topic or type; ignored by the trade listener.
    case other(topic: String, type: String)
}

/// Decodes RTDS text frames. A frame may hold one envelope or a JSON array of envelopes.
public enum RTDSDecoder {
    private struct Envelope: Decodable {
        var topic: String?
        var type: String?
        var timestamp: LenientInt?
        var payload: WireTrade?

        enum CodingKeys: String, CodingKey { case topic, type, timestamp, payload }

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            topic = c.lenient(String.self, .topic)
            type = c.lenient(String.self, .type)
            timestamp = c.lenient(LenientInt.self, .timestamp)
            payload = c.lenient(WireTrade.self, .payload)
        }
    }

    /// Decodes one text frame.
    ///
    /// - Returns: the messages in the frame (control frames give one `.control`).
    /// - Throws: ``FeedDecodeError`` for malformed JSON or an `activity` trade with unusable fields; a bad element
    ///   of an array fails only that frame's decode call, the caller counts it and carries on.
    public static func decode(_ text: String) throws(FeedDecodeError) -> [RTDSMessage] {
        var utf8 = Array(text.utf8)
        return try decode(bytes: &utf8)
    }

    /// Decodes one frame given as bytes.
    ///
    /// - Parameter fastPath: use the hand-rolled scanner for single envelopes (default); `false` forces the
    ///   `JSONDecoder` path, which tests use to prove both agree.
    public static func decode(bytes: inout [UInt8], fastPath: Bool = true) throws(FeedDecodeError) -> [RTDSMessage] {
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            return [.control("")]
        }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            return [.control(String(decoding: bytes.prefix(64), as: UTF8.self))]
        }
        if fastPath, first == UInt8(ascii: "{"), let envelope = bytes.withUnsafeBufferPointer({ try? fastEnvelope($0) })
        {
            return [try message(envelope)]
        }
        let data = Data(bytes)
        if first == UInt8(ascii: "[") {
            let envelopes = try WireJSON.decode([Envelope].self, from: data)
            var out: [RTDSMessage] = []
            out.reserveCapacity(envelopes.count)
            for e in envelopes { out.append(try message(e)) }
            return out
        }
        return [try message(try WireJSON.decode(Envelope.self, from: data))]
    }

    private enum PayloadKey {
        case proxyWallet, side, asset, conditionId, size, price, timestamp, title, slug, eventSlug, outcome,
            outcomeIndex
        case name, pseudonym, transactionHash
    }

    private static let payloadKeys: [String: PayloadKey] = [
        "proxyWallet": .proxyWallet, "side": .side, "asset": .asset, "conditionId": .conditionId, "size": .size,
        "price": .price, "timestamp": .timestamp, "title": .title, "slug": .slug, "eventSlug": .eventSlug,
        "outcome": .outcome, "outcomeIndex": .outcomeIndex, "name": .name, "pseudonym": .pseudonym,
        "transactionHash": .transactionHash,
    ]

    /// The hot path: a hand-rolled scan of one envelope. Anything unusual makes it give up, and the caller
    /// decodes the same bytes with `JSONDecoder`, so both paths agree on every input.
    private static func fastEnvelope(_ bytes: UnsafeBufferPointer<UInt8>) throws(FastJSONScanner.Failure) -> Envelope {
        var s = FastJSONScanner(bytes)
        var e = Envelope()
        try s.object { (s: inout FastJSONScanner, key: String) throws(FastJSONScanner.Failure) in
            switch key {
            case "topic": e.topic = try s.optionalString()
            case "type": e.type = try s.optionalString()
            case "timestamp": e.timestamp = try s.lenientInt()
            case "payload":
                if try s.peek() == UInt8(ascii: "n") {
                    try s.skipValue()
                    return
                }
                var w = WireTrade()
                try s.object { (s: inout FastJSONScanner, k: String) throws(FastJSONScanner.Failure) in
                    // One hash lookup instead of a chain of string comparisons per key.
                    switch payloadKeys[k] {
                    case .proxyWallet?: w.proxyWallet = try s.optionalString()
                    case .side?: w.side = try s.optionalString()
                    case .asset?: w.asset = try s.optionalString()
                    case .conditionId?: w.conditionId = try s.optionalString()
                    case .size?: w.size = try s.numberText().map(LenientDecimal.init(text:))
                    case .price?: w.price = try s.numberText().map(LenientDecimal.init(text:))
                    case .timestamp?: w.timestamp = try s.lenientInt()
                    case .title?: w.title = try s.optionalString()
                    case .slug?: w.slug = try s.optionalString()
                    case .eventSlug?: w.eventSlug = try s.optionalString()
                    case .outcome?: w.outcome = try s.optionalString()
                    case .outcomeIndex?: w.outcomeIndex = try s.lenientInt()
                    case .name?: w.name = try s.optionalString()
                    case .pseudonym?: w.pseudonym = try s.optionalString()
                    case .transactionHash?: w.transactionHash = try s.optionalString()
                    default: try s.skipValue()
                    }
                }
                e.payload = w
            default:
                try s.skipValue()
            }
        }
        guard s.atEnd else { throw FastJSONScanner.Failure() }
        return e
    }

    private static func message(_ e: Envelope) throws(FeedDecodeError) -> RTDSMessage {
        let topic = e.topic ?? ""
        let type = e.type ?? ""
        guard topic == "activity", type == "trades" || type == "orders_matched" else {
            return .other(topic: topic, type: type)
        }
        guard let payload = e.payload else { throw .missingField("payload") }
        return .trade(try payload.toTrade(source: .rtds), type: type, serverTimeMs: e.timestamp?.value)
    }

    /// The subscribe message for the trade firehose (both activity types; deduped downstream).
    public static let subscribeActivity =
        #"{"action":"subscribe","subscriptions":[{"topic":"activity","type":"trades"},{"topic":"activity","type":"orders_matched"}]}"#
}

extension FastJSONScanner {
    /// An integer (number or numeric string), nil for `null`; anything else fails the fast path.
    mutating func lenientInt() throws(Failure) -> LenientInt? {
        guard let text = try numberText() else { return nil }
        guard let v = LenientInt(text: text) else { throw Failure() }
        return v
    }
}
