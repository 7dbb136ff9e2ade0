import Foundation
import PolybotCore

/// Why a frame, row or body was refused. Every decoder returns one of these instead of crashing.
public enum FeedDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not JSON (or not the JSON shape expected at the top level).
    case notJSON(String)
    /// A required field is absent or null.
    case missingField(String)
    /// A field is present but unusable.
    case invalidField(String, String)

    public var description: String {
        switch self {
        case .notJSON(let s): "not JSON: \(s)"
        case .missingField(let f): "missing field \(f)"
        case .invalidField(let f, let v): "invalid \(f): \(v)"
        }
    }

    /// A short stable label for metrics.
    public var reason: String {
        switch self {
        case .notJSON: "not_json"
        case .missingField: "missing_field"
        case .invalidField: "invalid_field"
        }
    }
}

/// A number the venue may send as a JSON number or as a string (`"0.52"`, `".48"`), kept as exact text.
public struct LenientDecimal: Decodable, Sendable, Hashable {
    /// The decimal text.
    public let text: String

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            text = s.trimmingCharacters(in: .whitespaces)
        } else if let i = try? c.decode(Int64.self) {
            text = String(i)
        } else if let d = try? c.decode(Double.self) {
            guard d.isFinite else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "non-finite number")
            }
            text = LenientDecimal.format(d)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a number or numeric string")
        }
    }

    /// Wraps text.
    public init(text: String) { self.text = text }

    /// Micro units (rounded half away from zero past 6 decimals), or nil when the text is not a finite decimal.
    public var micros: Micros? {
        if let m = Micros(decimal: text) { return m }
        // Exponent forms ("1e-05") that JSON allows: go through Double, which is exact enough at 6 decimals.
        guard let d = Double(text) else { return nil }
        return Micros(roundingDouble: d)
    }

    /// The value as an integer, or nil.
    public var int64: Int64? {
        Int64(text) ?? Double(text).flatMap { $0.isFinite && $0 == $0.rounded() ? Int64(exactly: $0) : nil }
    }

    /// Shortest text that round-trips a Double (what the venue's JSON had), without exponent for normal magnitudes.
    static func format(_ d: Double) -> String {
        let s = "\(d)"
        guard s.contains("e") else { return s.hasSuffix(".0") ? String(s.dropLast(2)) : s }
        return String(format: "%.12f", d)
    }
}

/// Text that may arrive as a string or a number (a number becomes its decimal text).
public struct LenientString: Decodable, Sendable, Hashable {
    public let value: String

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            value = s
        } else if let i = try? c.decode(Int64.self) {
            value = String(i)
        } else if let d = try? c.decode(Double.self), d.isFinite {
            value = String(d)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a string or a number")
        }
    }

    /// Wraps a value.
    public init(_ value: String) { self.value = value }
}

/// An integer that may arrive as a number or a string.
public struct LenientInt: Decodable, Sendable, Hashable {
    public let value: Int64

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int64.self) {
            value = i
        } else if let s = try? c.decode(String.self), let i = Int64(s.trimmingCharacters(in: .whitespaces)) {
            value = i
        } else if let d = try? c.decode(Double.self), d.isFinite, let i = Int64(exactly: d.rounded(.down)) {
            value = i
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an integer")
        }
    }

    /// Wraps a value.
    public init(_ value: Int64) { self.value = value }

    /// Parses integer text (or a whole-valued decimal), as the Decodable path does.
    public init?(text: String) {
        if let i = Int64(text) {
            value = i
        } else if let i = Int64(text.trimmingCharacters(in: .whitespaces)) {
            value = i
        } else if let d = Double(text), d.isFinite, let i = Int64(exactly: d.rounded(.down)) {
            value = i
        } else {
            return nil
        }
    }
}

/// A boolean that may arrive as `true`, `"true"` or `1`.
public struct LenientBool: Decodable, Sendable, Hashable {
    public let value: Bool

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            value = b
        } else if let s = try? c.decode(String.self) {
            value = s.lowercased() == "true" || s == "1"
        } else if let i = try? c.decode(Int.self) {
            value = i != 0
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a boolean")
        }
    }
}

/// Tolerant decoding of optional fields: a present-but-malformed value becomes nil instead of failing the object.
extension KeyedDecodingContainer {
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}

/// Shared JSON decoding entry points.
public enum WireJSON {
    /// Decodes `T` from bytes, mapping every failure to ``FeedDecodeError``.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(FeedDecodeError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .missingField(key.stringValue)
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw .missingField(ctx.codingPath.map(\.stringValue).joined(separator: "."))
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .invalidField(ctx.codingPath.map(\.stringValue).joined(separator: "."), ctx.debugDescription)
        } catch let DecodingError.dataCorrupted(ctx) {
            throw ctx.codingPath.isEmpty
                ? .notJSON(ctx.debugDescription)
                : .invalidField(
                    ctx.codingPath.map(\.stringValue).joined(separator: "."), ctx.debugDescription)
        } catch {
            throw .notJSON("\(error)")
        }
    }
}
