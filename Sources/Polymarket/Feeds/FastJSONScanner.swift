/// A minimal, allocation-light JSON scanner for the hot RTDS path: reads objects key by key, returns strings
/// (with escapes decoded) and the raw text of numbers, and skips every value it is not asked about.
/// Any deviation from strict JSON throws; callers then fall back to `JSONDecoder` for the precise error.
struct FastJSONScanner {
    struct Failure: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get {
            skipWhitespace()
            return index >= bytes.count
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            let b = bytes[index]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            index += 1
        }
    }

    mutating func peek() throws(Failure) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw Failure() }
        return bytes[index]
    }

    mutating func expect(_ c: UInt8) throws(Failure) {
        guard try peek() == c else { throw Failure() }
        index += 1
    }

    /// Visits each member of an object; `body` must consume the value (or call ``skipValue()``).
    mutating func object(_ body: (inout FastJSONScanner, String) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            let c = try peek()
            index += 1
            if c == UInt8(ascii: "}") { return }
            guard c == UInt8(ascii: ",") else { throw Failure() }
        }
    }

    /// A string value with escapes decoded.
    mutating func string() throws(Failure) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        var ascii = true
        // Fast path: no escapes.
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                // Invalid UTF-8 fails (JSONDecoder rejects it too), so both decoders agree.
                guard let s = String(validating: slice, as: UTF8.self) else { throw Failure() }
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw Failure() }
            if b >= 0x80 { ascii = false }
            index += 1
        }
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw Failure() }
                return s
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw Failure() }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw Failure() }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Failure() }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw Failure() }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw Failure()
                }
            default:
                if b < 0x20 { throw Failure() }
                out.append(b)
            }
        }
        throw Failure()
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Failure() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            index += 1
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 97...102: d = UInt32(c - 87)
            case 65...70: d = UInt32(c - 55)
            default: throw Failure()
            }
            v = v << 4 | d
        }
        return v
    }

    /// The raw text of a number, or the content of a string (numbers may arrive quoted), or nil for `null`.
    mutating func numberText() throws(Failure) -> String? {
        let c = try peek()
        if c == UInt8(ascii: "\"") { return try string() }
        if c == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        // Strict JSON grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        let start = index
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 }
        if index < bytes.count && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digit(index) else { throw Failure() }
        if bytes[index] == 48 {
            index += 1
        } else {
            while digit(index) { index += 1 }
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digit(index) else { throw Failure() }
            while digit(index) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            guard digit(index) else { throw Failure() }
            while digit(index) { index += 1 }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// A string, or nil for `null`; any other value type fails.
    mutating func optionalString() throws(Failure) -> String? {
        if try peek() == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        return try string()
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Failure() }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw Failure() }
        index += count
    }

    /// Skips a string without building it (escapes are stepped over; their validity is still checked loosely).
    mutating func skipString() throws(Failure) {
        try expect(UInt8(ascii: "\""))
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: "\"") { return }
            if b == UInt8(ascii: "\\") {
                guard index < bytes.count else { throw Failure() }
                index += 1
            } else if b < 0x20 {
                throw Failure()
            } else if b >= 0x80 {
                // Non-ASCII: keep the same acceptance as string(), which validates UTF-8.
                index -= 1
                let start = index
                while index < bytes.count && bytes[index] >= 0x80 { index += 1 }
                guard String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) != nil
                else {
                    throw Failure()
                }
            }
        }
        throw Failure()
    }

    /// Visits each element of an array; `body` must consume the element.
    mutating func array(_ body: (inout FastJSONScanner) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "["))
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try body(&self)
            let c = try peek()
            index += 1
            if c == UInt8(ascii: "]") { return }
            guard c == UInt8(ascii: ",") else { throw Failure() }
        }
    }

    /// `true`, `false`, or nil for `null`; any other value fails.
    mutating func optionalBool() throws(Failure) -> Bool? {
        switch try peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            try literal("null")
            return nil
        }
    }

    /// Skips any value.
    mutating func skipValue() throws(Failure) {
        switch try peek() {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "{"): try object { (s: inout FastJSONScanner, _) throws(Failure) in try s.skipValue() }
        case UInt8(ascii: "["):
            index += 1
            if try peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try skipValue()
                let c = try peek()
                index += 1
                if c == UInt8(ascii: "]") { return }
                guard c == UInt8(ascii: ",") else { throw Failure() }
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try numberText()
        }
    }
}
