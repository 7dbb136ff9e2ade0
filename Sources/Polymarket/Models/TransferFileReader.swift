import Foundation
import PolybotCore

/// Reads ERC-20 `Transfer` rows for offline funding links (`polybot replay|backtest --transfers FILE`): CSV with the
/// header `block_time,token,from,to,amount` — Unix seconds, lower-case addresses, the amount in token units with 6
/// decimals. A row that does not parse stops the read with its line number (funding decides who votes once: a
/// half-read file would decide on invented evidence).
public enum TransferFileReader {
    /// The transfers of a file, in file order.
    ///
    /// - Throws: file errors; ``FeedDecodeError`` naming the first bad row or a missing column.
    public static func read(path: String) throws -> [FundingTransfer] {
        try parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    /// The transfers of CSV text.
    ///
    /// - Throws: ``FeedDecodeError`` naming the first bad row or a missing column.
    public static func parse(_ text: String) throws(FeedDecodeError) -> [FundingTransfer] {
        var records = CSV.parse(text)
        guard !records.isEmpty else { return [] }
        // A byte-order mark and spaces around a name or a value are not part of it.
        let header = records.removeFirst().fields.map {
            $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\u{FEFF}"))).lowercased()
        }
        func col(_ name: String) throws(FeedDecodeError) -> Int {
            guard let i = header.firstIndex(of: name) else { throw .missingField("CSV column \(name)") }
            return i
        }
        let (time, token, from, to, amount) = (
            try col("block_time"), try col("token"), try col("from"), try col("to"), try col("amount")
        )
        var out: [FundingTransfer] = []
        out.reserveCapacity(records.count)
        for r in records {
            let f = r.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            if f.count == 1, f[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let line = "transfers line \(r.line)"
            guard f.count > max(time, token, from, to, amount) else { throw .invalidField(line, "too few columns") }
            // Unix seconds; a whole number written with a fraction (`1767225600.0`) is read as that second.
            let seconds =
                Int64(f[time]) ?? Double(f[time]).flatMap { $0.isFinite ? Int64(exactly: $0.rounded(.down)) : nil }
            guard let t = seconds else { throw .invalidField("\(line) block_time", f[time]) }
            guard let tk = Address(f[token]) else { throw .invalidField("\(line) token", f[token]) }
            guard let a = Address(f[from]) else { throw .invalidField("\(line) from", f[from]) }
            guard let b = Address(f[to]) else { throw .invalidField("\(line) to", f[to]) }
            guard let m = Micros(decimal: f[amount]), m >= .zero else {
                throw .invalidField("\(line) amount", f[amount])
            }
            out.append(FundingTransfer(time: t, token: tk, from: a, to: b, amount: m))
        }
        return out
    }
}
