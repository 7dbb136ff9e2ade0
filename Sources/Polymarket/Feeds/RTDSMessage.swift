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
    public static func decode(bytes: inout [UInt8]) throws(FeedDecodeError) -> [RTDSMessage] {
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            return [.control("")]
        }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            return [.control(String(decoding: bytes.prefix(64), as: UTF8.self))]
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
