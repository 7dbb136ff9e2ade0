/// A fixed-point amount in 6-decimal micro units, as USDC/pUSD and outcome shares are on chain.
///
/// `Micros(1_000_000)` is one dollar (or one share); a price of 0.55 is `Micros(550_000)`.
/// Money never passes through `Double` except when parsing wire values that the
/// venue itself sends as JSON floats (see ``init(roundingDouble:)``).
public struct Micros: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The raw integer value in micro units.
    public var raw: Int64

    /// Micro units per whole unit.
    public static let scale: Int64 = 1_000_000
    /// Zero.
    public static let zero = Micros(0)
    /// One whole unit (one dollar, one share, or a price of 1.0).
    public static let one = Micros(scale)

    /// Wraps a raw micro-unit integer.
    public init(_ raw: Int64) { self.raw = raw }

    /// Parses a plain decimal string such as `"10000"`, `"0.55"`, `"-3.25"` or `"1e-3"`-free text.
    ///
    /// At most six fractional digits are accepted exactly; more digits are rounded half away from zero,
    /// because venues print floats such as `0.8699999676`. Returns `nil` for anything that is not a
    /// finite decimal number or that does not fit in 64 bits.
    public init?(decimal text: some StringProtocol) {
        var chars = Substring(text).utf8[...]
        guard !chars.isEmpty else { return nil }
        var negative = false
        if chars.first == UInt8(ascii: "-") || chars.first == UInt8(ascii: "+") {
            negative = chars.first == UInt8(ascii: "-")
            chars = chars.dropFirst()
        }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var roundUp = false
        var sawDigit = false
        var sawPoint = false
        for c in chars {
            if c == UInt8(ascii: ".") {
                guard !sawPoint else { return nil }
                sawPoint = true
                continue
            }
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            sawDigit = true
            let d = Int64(c - UInt8(ascii: "0"))
            if !sawPoint {
                let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(d)
                guard !o1, !o2 else { return nil }
                whole = s
            } else if fractionDigits < 6 {
                fraction = fraction * 10 + d
                fractionDigits += 1
            } else if fractionDigits == 6 {
                roundUp = d >= 5
                fractionDigits += 1
            }
        }
        guard sawDigit else { return nil }
        var f = fraction
        for _ in min(fractionDigits, 6)..<6 { f *= 10 }
        if roundUp { f += 1 }
        let (wm, o1) = whole.multipliedReportingOverflow(by: Micros.scale)
        let (total, o2) = wm.addingReportingOverflow(f)
        guard !o1, !o2 else { return nil }
        self.raw = negative ? -total : total
    }

    /// Converts a JSON float sent by the venue (prices, sizes) to micro units, rounding to the nearest unit.
    ///
    /// Returns `nil` for NaN, infinities and magnitudes beyond what 64-bit micro units can hold.
    public init?(roundingDouble value: Double) {
        guard value.isFinite, abs(value) < 9.0e12 else { return nil }
        self.raw = Int64((value * Double(Micros.scale)).rounded(.toNearestOrAwayFromZero))
    }

    /// The exact decimal text, without trailing zeros (`550000` → `"0.55"`, `10_000_000_000` → `"10000"`).
    public var description: String {
        let negative = raw < 0
        let magnitude = raw.magnitude
        let whole = magnitude / UInt64(Micros.scale)
        var frac = magnitude % UInt64(Micros.scale)
        var text = (negative ? "-" : "") + String(whole)
        if frac != 0 {
            var digits = 6
            while frac % 10 == 0 {
                frac /= 10
                digits -= 1
            }
            let s = String(frac)
            text += "." + String(repeating: "0", count: digits - s.count) + s
        }
        return text
    }

    /// The value as a `Double`, for statistics and display only — never for money arithmetic.
    public var doubleValue: Double { Double(raw) / Double(Micros.scale) }

    public static func < (lhs: Micros, rhs: Micros) -> Bool { lhs.raw < rhs.raw }
    public static func + (lhs: Micros, rhs: Micros) -> Micros { Micros(lhs.raw + rhs.raw) }
    public static func - (lhs: Micros, rhs: Micros) -> Micros { Micros(lhs.raw - rhs.raw) }
    public static func += (lhs: inout Micros, rhs: Micros) { lhs.raw += rhs.raw }
    public static func -= (lhs: inout Micros, rhs: Micros) { lhs.raw -= rhs.raw }
    public static prefix func - (value: Micros) -> Micros { Micros(-value.raw) }

    /// The product of two micro-unit amounts (e.g. shares × price = notional), rounded half away from zero.
    ///
    /// Uses a 128-bit intermediate so that large sizes cannot overflow before the division.
    public func multiplied(by other: Micros) -> Micros {
        let product = raw.multipliedFullWidth(by: other.raw)
        let wide = (Int128(product.high) << 64) | Int128(product.low)
        let half = Int128(Micros.scale / 2)
        let rounded = wide >= 0 ? (wide + half) / Int128(Micros.scale) : (wide - half) / Int128(Micros.scale)
        return Micros(Int64(clamping: rounded))
    }

    /// Sums a sequence of amounts.
    public static func sum(_ values: some Sequence<Micros>) -> Micros {
        values.reduce(.zero, +)
    }

    // MARK: - Checked arithmetic (money paths fed by settings or venue data never trap)

    /// `self + other`, or ``MoneyOverflow`` when the sum does not fit in 64 bits.
    public func adding(_ other: Micros) throws(MoneyOverflow) -> Micros {
        let (v, o) = raw.addingReportingOverflow(other.raw)
        guard !o else { throw MoneyOverflow(operation: "\(self) + \(other)") }
        return Micros(v)
    }

    /// `self - other`, or ``MoneyOverflow``.
    public func subtracting(_ other: Micros) throws(MoneyOverflow) -> Micros {
        let (v, o) = raw.subtractingReportingOverflow(other.raw)
        guard !o else { throw MoneyOverflow(operation: "\(self) - \(other)") }
        return Micros(v)
    }

    /// ``multiplied(by:)`` without clamping: ``MoneyOverflow`` when the product does not fit.
    public func checkedMultiplied(by other: Micros) throws(MoneyOverflow) -> Micros {
        let product = raw.multipliedFullWidth(by: other.raw)
        let wide = (Int128(product.high) << 64) | Int128(product.low)
        let half = Int128(Micros.scale / 2)
        let rounded = wide >= 0 ? (wide + half) / Int128(Micros.scale) : (wide - half) / Int128(Micros.scale)
        guard let v = Int64(exactly: rounded) else { throw MoneyOverflow(operation: "\(self) × \(other)") }
        return Micros(v)
    }

    /// A 128-bit sum that cannot overflow for any realistic count of 64-bit amounts (for cap comparisons).
    public static func wideSum(_ values: some Sequence<Micros>) -> Int128 {
        values.reduce(Int128(0)) { $0 + Int128($1.raw) }
    }
}

/// A money computation whose result does not fit in 64-bit micro units: a named outcome, never a trap.
public struct MoneyOverflow: Error, Sendable, Hashable, CustomStringConvertible {
    /// The operation that overflowed, with its operands.
    public var operation: String

    /// Creates the error.
    public init(operation: String) { self.operation = operation }

    public var description: String { "amount out of range: \(operation)" }
}
