import Foundation
import Logging
import PolybotCore
import PostgresNIO

/// The handle every repository shares: a running `PostgresClient` behind a time limit and a breaker, and a logger.
package struct Database: Sendable {
    /// The connection pool with a time limit per query (``BoundedPostgresClient``). The pool's `run()` must be
    /// running (it is a `Service` in the daemon's group).
    package let client: BoundedPostgresClient
    /// Logger for queries.
    package let logger: Logger

    /// Wraps a client.
    package init(client: PostgresClient, logger: Logger, queryLimit: Duration = .seconds(5)) {
        self.client = BoundedPostgresClient(pool: client, limit: queryLimit)
        self.logger = logger
    }

    /// Whether the last query answered (false while the breaker is open).
    package var isUp: Bool { client.health.isUp }

    /// True when `SELECT 1` answers (within the query limit).
    package func ping() async -> Bool {
        do {
            let rows = try await client.query("SELECT 1", logger: logger)
            for try await _ in rows {}
            return true
        } catch {
            return false
        }
    }
}

extension Date {
    /// Unix seconds, truncated.
    package var unixSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
    /// A date from Unix seconds.
    package init(unixSeconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(unixSeconds)) }
}

/// Encodes a `[String: Double]` as JSON text for a `::jsonb` binding, keys sorted; entries that are not finite have no
/// JSON form and are left out. Written by hand: `JSONEncoder` was most of the cost of writing 50,000 score rows.
package func jsonText(_ features: [String: Double]) -> String {
    var out = ""
    JSONText.object(features, into: &out)
    return out
}

/// Compact JSON for what score rows store (objects of numbers and strings), keys sorted, which `JSONDecoder` reads
/// back to the same values bit for bit.
package enum JSONText {
    /// A JSON string literal.
    package static func string(_ s: String, into out: inout String) {
        out.append("\"")
        for u in s.unicodeScalars {
            switch u {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where u.value < 0x20:
                out.append("\\u00")
                out.append(u.value < 0x10 ? "0" : "1")
                out.append(String(u.value & 0xF, radix: 16))
            default: out.unicodeScalars.append(u)
            }
        }
        out.append("\"")
    }

    /// An object of numbers, keys sorted; entries that are not finite are left out.
    package static func object(_ numbers: [String: Double], into out: inout String) {
        out.append("{")
        var first = true
        for key in numbers.keys.sorted() {
            guard let v = numbers[key], v.isFinite else { continue }
            if !first { out.append(",") }
            first = false
            string(key, into: &out)
            out.append(":")
            // Swift's shortest round-trip form ("0.1", "2.0", "1e-05") is a JSON number.
            out.append(v.description)
        }
        out.append("}")
    }
}

/// Decodes JSON text of an object of numbers.
package func decodeFeatures(_ text: String) -> [String: Double] {
    (try? JSONDecoder().decode([String: Double].self, from: Data(text.utf8))) ?? [:]
}

extension JSONEncoder {
    /// An encoder with sorted keys, so stored JSON is stable.
    package static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

/// `YYYY-MM-DD HH:MM:SS+00` for Unix seconds, as PostgreSQL's text input for `timestamptz` accepts.
package func utcTimestampText(_ seconds: Int64) -> String {
    let s = ((seconds % 86_400) + 86_400) % 86_400  // seconds into the UTC day (also before 1970)
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return utcDay(seconds) + " \(two(s / 3_600)):\(two(s / 60 % 60)):\(two(s % 60))+00"
}
