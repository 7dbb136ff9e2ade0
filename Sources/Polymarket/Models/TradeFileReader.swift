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
        var records = CSV.parse(text)
        guard !records.isEmpty else { return [] }
        let header = records.removeFirst().fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() where index[name] == nil { index[name] = i }
        for required in ["proxyWallet", "side", "asset", "conditionId", "size", "price", "timestamp"]
        where index[required] == nil {
            throw .missingField("CSV column \(required)")
        }
        let synthetic = index["transactionHash"] == nil
        var rows: [Row] = []
        rows.reserveCapacity(records.count)
        for record in records {
            if record.fields.count == 1 && record.fields[0].isEmpty { continue }
            func field(_ name: String) -> String? {
                guard let i = index[name], i < record.fields.count else { return nil }
                return record.fields[i]
            }
            var w = WireTrade()
            w.proxyWallet = field("proxyWallet")
            w.side = field("side")
            w.asset = field("asset")
            w.conditionId = field("conditionId")
            w.size = field("size").map(LenientDecimal.init(text:))
            w.price = field("price").map(LenientDecimal.init(text:))
            w.title = field("title")
            w.slug = field("slug")
            w.eventSlug = field("eventSlug")
            w.outcome = field("outcome")
            w.outcomeIndex = field("outcomeIndex").flatMap(Int64.init).map(LenientInt.init)
            w.name = field("name")
            w.pseudonym = field("pseudonym")
            w.transactionHash = field("transactionHash")
            let result: Result<Trade, FeedDecodeError>
            if let ts = field("timestamp").flatMap(parseTimestamp) {
                w.timestamp = LenientInt(ts)
                if synthetic { w.transactionHash = syntheticHash(w) }
                do { result = .success(try w.toTrade(source: options.source)) } catch { result = .failure(error) }
            } else {
                result = .failure(.invalidField("timestamp", field("timestamp") ?? "nil"))
            }
            rows.append(Row(line: record.line, result: result))
        }
        return rows
    }

    private func parseTimestamp(_ text: String) -> Int64? {
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

    static func parse(_ text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = [UInt8]()
        var inQuotes = false
        var line = 1
        var recordLine = 1
        let bytes = Array(text.utf8)
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if b == UInt8(ascii: "\n") { line += 1 }
                    field.append(b)
                }
            } else {
                switch b {
                case UInt8(ascii: "\""): inQuotes = true
                case UInt8(ascii: ","): endField()
                case UInt8(ascii: "\r"): break
                case UInt8(ascii: "\n"):
                    endField()
                    records.append(Record(line: recordLine, fields: fields))
                    fields.removeAll(keepingCapacity: true)
                    line += 1
                    recordLine = line
                default: field.append(b)
                }
            }
            i += 1
        }
        if !field.isEmpty || !fields.isEmpty {
            endField()
            records.append(Record(line: recordLine, fields: fields))
        }
        return records
    }
}
