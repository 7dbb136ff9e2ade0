import Foundation

/// A compact binary form of a fold's state (``ScoreFold``, ``CoTrading``), so the nightly rescoring continues from
/// the last run instead of re-reading history. Little-endian fixed-width integers, IEEE doubles by bit pattern (a
/// value comes back bit for bit, NaN included), each distinct string once (then by its number); no keys — a reader reads the fields in
/// the order the writer wrote them, and ``ArchiveReader/Failure`` names what did not fit.
public struct ArchiveWriter: Sendable {
    /// The bytes so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty archive.
    public init() {}

    /// Appends a fixed-width integer.
    public mutating func put<I: FixedWidthInteger>(_ v: I) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Strings written so far, by their number: a string is written once, then referred to (a fold repeats its token
    /// and market ids in every wallet's ledger).
    private var strings: [String: UInt32] = [:]

    /// Appends a string: its number if written before, else 0, its length and its UTF-8.
    public mutating func put(_ s: String) {
        if let n = strings[s] {
            put(n + 1)
            return
        }
        strings[s] = UInt32(strings.count)
        put(UInt32(0))
        var s = s
        s.withUTF8 { u in
            put(UInt32(u.count))
            bytes.append(contentsOf: u)
        }
    }

    /// Appends any archivable value.
    public mutating func write(_ v: some Archivable) { v.archive(into: &self) }
}

/// Reads what an ``ArchiveWriter`` wrote.
public struct ArchiveReader: Sendable {
    /// Why an archive could not be read.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        /// Creates a failure.
        public init(_ description: String) { self.description = description }
    }

    private let bytes: [UInt8]
    private var offset = 0
    private var strings: [String] = []

    /// A reader over `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// True once every byte was read.
    public var atEnd: Bool { offset == bytes.count }

    /// Reads a fixed-width integer.
    public mutating func take<I: FixedWidthInteger>(_: I.Type = I.self) throws -> I {
        let n = MemoryLayout<I>.size
        guard offset + n <= bytes.count else { throw Failure("archive ends inside a \(I.self) at byte \(offset)") }
        var v = I.zero
        withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[offset..<offset + n]) }
        offset += n
        return I(littleEndian: v)
    }

    /// Reads a string written by an ``ArchiveWriter`` (once, then by its number).
    public mutating func take(_: String.Type = String.self) throws -> String {
        let ref = try take(UInt32.self)
        if ref > 0 {
            guard Int(ref) <= strings.count else { throw Failure("string #\(ref) at byte \(offset) was never written") }
            return strings[Int(ref) - 1]
        }
        let n = Int(try take(UInt32.self))
        guard offset + n <= bytes.count else { throw Failure("archive ends inside a string at byte \(offset)") }
        defer { offset += n }
        let s = String(decoding: bytes[offset..<offset + n], as: UTF8.self)
        strings.append(s)
        return s
    }

    /// Reads any archivable value.
    public mutating func read<T: Archivable>(_: T.Type = T.self) throws -> T { try T(unarchiving: &self) }

    /// Reads a count (of elements to follow), refusing one larger than the bytes left could hold.
    mutating func count() throws -> Int {
        let n = Int(try take(UInt32.self))
        guard n <= bytes.count - offset else { throw Failure("count \(n) at byte \(offset) exceeds the archive") }
        return n
    }
}

/// A value with a binary form in a fold archive.
public protocol Archivable {
    /// Writes the value.
    func archive(into w: inout ArchiveWriter)
    /// Reads a value written by ``archive(into:)``.
    init(unarchiving r: inout ArchiveReader) throws
}

extension Int: Archivable {
    public func archive(into w: inout ArchiveWriter) { w.put(Int64(self)) }
    public init(unarchiving r: inout ArchiveReader) throws { self = Int(try r.take(Int64.self)) }
}

/// Fixed-width integers archive as themselves (little-endian).
extension Archivable where Self: FixedWidthInteger {
    public func archive(into w: inout ArchiveWriter) { w.put(self) }
    public init(unarchiving r: inout ArchiveReader) throws { self = try r.take(Self.self) }
}

extension Int64: Archivable {}
extension Int32: Archivable {}
extension Int8: Archivable {}
extension UInt64: Archivable {}

extension Bool: Archivable {
    public func archive(into w: inout ArchiveWriter) { w.put(UInt8(self ? 1 : 0)) }
    public init(unarchiving r: inout ArchiveReader) throws { self = try r.take(UInt8.self) != 0 }
}

extension Double: Archivable {
    public func archive(into w: inout ArchiveWriter) { w.put(bitPattern) }
    public init(unarchiving r: inout ArchiveReader) throws { self = Double(bitPattern: try r.take(UInt64.self)) }
}

extension String: Archivable {
    public func archive(into w: inout ArchiveWriter) { w.put(self) }
    public init(unarchiving r: inout ArchiveReader) throws { self = try r.take(String.self) }
}

extension Micros: Archivable {
    public func archive(into w: inout ArchiveWriter) { w.put(raw) }
    public init(unarchiving r: inout ArchiveReader) throws { self = Micros(try r.take(Int64.self)) }
}

extension Address: Archivable {
    public func archive(into w: inout ArchiveWriter) { w.put(hex) }
    public init(unarchiving r: inout ArchiveReader) throws {
        let text = try r.take(String.self)
        guard let a = Address(text) else { throw ArchiveReader.Failure("\(text) in the archive is not an address") }
        self = a
    }
}

extension Optional: Archivable where Wrapped: Archivable {
    public func archive(into w: inout ArchiveWriter) {
        if let v = self {
            w.put(UInt8(1))
            v.archive(into: &w)
        } else {
            w.put(UInt8(0))
        }
    }
    public init(unarchiving r: inout ArchiveReader) throws {
        self = try r.take(UInt8.self) == 0 ? nil : try Wrapped(unarchiving: &r)
    }
}

extension Array: Archivable where Element: Archivable {
    public func archive(into w: inout ArchiveWriter) {
        w.put(UInt32(count))
        for e in self { e.archive(into: &w) }
    }
    public init(unarchiving r: inout ArchiveReader) throws {
        let n = try r.count()
        var out: [Element] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try Element(unarchiving: &r)) }
        self = out
    }
}

extension Set: Archivable where Element: Archivable {
    public func archive(into w: inout ArchiveWriter) { Array(self).archive(into: &w) }
    public init(unarchiving r: inout ArchiveReader) throws { self = Set(try [Element](unarchiving: &r)) }
}

extension Dictionary: Archivable where Key: Archivable, Value: Archivable {
    public func archive(into w: inout ArchiveWriter) {
        w.put(UInt32(count))
        for (k, v) in self {
            k.archive(into: &w)
            v.archive(into: &w)
        }
    }
    public init(unarchiving r: inout ArchiveReader) throws {
        let n = try r.count()
        var out: [Key: Value] = [:]
        out.reserveCapacity(n)
        for _ in 0..<n {
            let k = try Key(unarchiving: &r)
            out[k] = try Value(unarchiving: &r)
        }
        self = out
    }
}
