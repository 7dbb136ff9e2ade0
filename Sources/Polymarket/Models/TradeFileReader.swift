import Foundation
import PolybotCore

/// Reads recorded trade files: Data API `/trades` rows as CSV with a header (any column order, extra columns
/// ignored), or JSONL (one `/trades` object per line).
///
/// Two recorded-file quirks are handled explicitly:
/// - a `timestamp` column may hold `YYYY-MM-DD HH:MM:SS` local times instead of Unix seconds; they are read in
///   ``Options/localTimeZone`` (the crypto/esports dataset stores US/Eastern without an offset);
/// - a file with **no** `transactionHash` column gets a synthetic, deterministic hash per row,
///   `keccak256("polybot-synthetic|wallet|asset|side|size|price|timestamp")`, so re-importing the same file stays
///   idempotent. A file that has the column but an empty cell is a bad row, not a synthetic one.
public struct TradeFileReader: Sendable {
    /// How to read.
    public struct Options: Sendable {
        /// Zone for `YYYY-MM-DD HH:MM:SS` timestamps; UTC by default.
        public var localTimeZone: TimeZone
        /// The source recorded on each trade.
        public var source: TradeSource

        /// Creates options.
        public init(localTimeZone: TimeZone = TimeZone(identifier: "UTC")!, source: TradeSource = .import) {
            self.localTimeZone = localTimeZone
            self.source = source
        }
    }

    /// One row's outcome, with its 1-based line number.
    public struct Row: Sendable {
        public var line: Int
        public var result: Result<Trade, FeedDecodeError>
    }

    public let options: Options

    /// Creates a reader.
    public init(options: Options = Options()) { self.options = options }

    /// Reads a whole file, choosing CSV or JSONL from the first non-blank character.
    ///
    /// - Throws: file-system errors, and ``FeedDecodeError`` when a CSV has no usable header.
    public func read(path: String) throws -> [Row] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try read(data: data)
    }

    /// Reads file contents.
    public func read(data: Data) throws(FeedDecodeError) -> [Row] {
        let text = String(decoding: data, as: UTF8.self)
        let firstChar = text.first { !$0.isWhitespace }
        return firstChar == "{" ? readJSONL(text) : try readCSV(text)
    }

    // MARK: - JSONL

    private func readJSONL(_ text: String) -> [Row] {
        var rows: [Row] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let result: Result<Trade, FeedDecodeError>
            do {
                result = .success(
                    try WireJSON.decode(WireTrade.self, from: Data(trimmed.utf8)).toTrade(source: options.source))
            } catch {
                result = .failure(error)
            }
            rows.append(Row(line: i + 1, result: result))
        }
        return rows
    }

    // MARK: - CSV

    private func readCSV(_ text: String) throws(FeedDecodeError) -> [Row] {
        var columns: Columns?
        var rows: [Row] = []
        var failure: FeedDecodeError?
        CSV.forEach(text) { record in
            guard failure == nil else { return }
            guard let c = columns else {
                do throws(FeedDecodeError) { columns = try Columns(header: record.fields) } catch { failure = error }
                return
            }
            if record.fields.count == 1 && record.fields[0].isEmpty { return }
            rows.append(row(record, c))
        }
        if let failure { throw failure }
        return rows
    }

    /// Where each column is (looked up once per file).
    private struct Columns {
        var wallet, side, asset, conditionId, size, price, timestamp: Int
        var title, slug, eventSlug, outcome, outcomeIndex, name, pseudonym, transactionHash: Int?

        init(header raw: [String]) throws(FeedDecodeError) {
            let header = raw.map { $0.trimmingCharacters(in: .whitespaces) }
            var index: [String: Int] = [:]
            for (i, name) in header.enumerated() where index[name] == nil { index[name] = i }
            func required(_ name: String) throws(FeedDecodeError) -> Int {
                guard let i = index[name] else { throw .missingField("CSV column \(name)") }
                return i
            }
            wallet = try required("proxyWallet")
            side = try required("side")
            asset = try required("asset")
            conditionId = try required("conditionId")
            size = try required("size")
            price = try required("price")
            timestamp = try required("timestamp")
            title = index["title"]
            slug = index["slug"]
            eventSlug = index["eventSlug"]
            outcome = index["outcome"]
            outcomeIndex = index["outcomeIndex"]
            name = index["name"]
            pseudonym = index["pseudonym"]
            transactionHash = index["transactionHash"]
        }
    }

    private func row(_ record: CSV.Record, _ c: Columns) -> Row {
        func field(_ i: Int?) -> String? {
            guard let i, i < record.fields.count else { return nil }
            return record.fields[i]
        }
        var w = WireTrade()
        w.proxyWallet = field(c.wallet)
        w.side = field(c.side)
        w.asset = field(c.asset)
        w.conditionId = field(c.conditionId)
        w.size = field(c.size).map(LenientDecimal.init(text:))
        w.price = field(c.price).map(LenientDecimal.init(text:))
        w.title = field(c.title)
        w.slug = field(c.slug)
        w.eventSlug = field(c.eventSlug)
        w.outcome = field(c.outcome)
        w.outcomeIndex = field(c.outcomeIndex).flatMap(Int64.init).map(LenientInt.init)
        w.name = field(c.name)
        w.pseudonym = field(c.pseudonym)
        w.transactionHash = field(c.transactionHash)
        let result: Result<Trade, FeedDecodeError>
        if let ts = field(c.timestamp).flatMap(parseTimestamp) {
            w.timestamp = LenientInt(ts)
            if c.transactionHash == nil { w.transactionHash = syntheticHash(w) }
            do { result = .success(try w.toTrade(source: options.source)) } catch { result = .failure(error) }
        } else {
            result = .failure(.invalidField("timestamp", field(c.timestamp) ?? "nil"))
        }
        return Row(line: record.line, result: result)
    }

    private func parseTimestamp(_ text: String) -> Int64? {
        if let v = Int64(text) { return v }
        let t = text.trimmingCharacters(in: .whitespaces)
        if let v = Int64(t) { return v }
        if let d = Double(t), d.isFinite { return Int64(d) }
        // YYYY-MM-DD HH:MM:SS (or with 'T') in the configured zone.
        let parts = t.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let time = parts[1].split(separator: ":").compactMap { Int($0.prefix(2)) }
        guard date.count == 3, time.count >= 2 else { return nil }
        var components = DateComponents()
        components.year = date[0]
        components.month = date[1]
        components.day = date[2]
        components.hour = time[0]
        components.minute = time[1]
        components.second = time.count > 2 ? time[2] : 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = options.localTimeZone
        return calendar.date(from: components).map { Int64($0.timeIntervalSince1970) }
    }

    private func syntheticHash(_ w: WireTrade) -> String {
        let key = [
            "polybot-synthetic", (w.proxyWallet ?? "").lowercased(), w.asset ?? "", (w.side ?? "").uppercased(),
            w.size?.text ?? "", w.price?.text ?? "", String(w.timestamp?.value ?? 0),
        ].joined(separator: "|")
        return HexCoding.encode(Keccak256.hash(Array(key.utf8)))
    }
}

/// RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks.
enum CSV {
    struct Record {
        var line: Int
        var fields: [String]
    }

    /// Every record of `text`.
    static func parse(_ text: String) -> [Record] {
        var records: [Record] = []
        forEach(text) { records.append($0) }
        return records
    }

    /// Calls `body` with each record in order, without holding them all (a million-row file is read in one pass).
    ///
    /// One byte state machine over the UTF-8: outside quotes `,` ends a field, `\n` a record and `\r` is dropped; a `"`
    /// opens quotes, inside which `""` is a quote and anything else (line breaks included) is data. A field made only of
    /// plain bytes becomes a `String` straight from its slice of the input; only a field with quotes or `\r` is copied
    /// byte by byte.
    static func forEach(_ text: String, _ body: (Record) throws -> Void) rethrows {
        var text = text
        try text.withUTF8 { bytes in
            var fields: [String] = []
            fields.reserveCapacity(32)
            var slow = [UInt8]()
            var plain = true
            var start = 0
            var inQuotes = false
            var line = 1
            var recordLine = 1
            var i = 0
            let n = bytes.count
            let quote = UInt8(ascii: "\"")
            let comma = UInt8(ascii: ",")
            let cr = UInt8(ascii: "\r")
            let lf = UInt8(ascii: "\n")
            while i < n {
                let b = bytes[i]
                if inQuotes {
                    if b == quote {
                        if i + 1 < n && bytes[i + 1] == quote {
                            slow.append(b)
                            i += 1
                        } else {
                            inQuotes = false
                        }
                    } else {
                        if b == lf { line += 1 }
                        slow.append(b)
                    }
                } else if b == comma || b == lf {
                    if plain {
                        fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                    } else {
                        fields.append(String(decoding: slow, as: UTF8.self))
                        slow.removeAll(keepingCapacity: true)
                        plain = true
                    }
                    start = i + 1
                    if b == lf {
                        try body(Record(line: recordLine, fields: fields))
                        fields.removeAll(keepingCapacity: true)
                        line += 1
                        recordLine = line
                    }
                } else if b == quote || b == cr {
                    if plain {
                        // From here on this field is copied: what it held so far first.
                        slow.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                        plain = false
                    }
                    if b == quote { inQuotes = true }
                } else if !plain {
                    slow.append(b)
                }
                i += 1
            }
            let pending = plain ? start < n : !slow.isEmpty
            if pending || !fields.isEmpty {
                fields.append(
                    plain
                        ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<n]), as: UTF8.self)
                        : String(decoding: slow, as: UTF8.self))
                try body(Record(line: recordLine, fields: fields))
            }
        }
    }
}
