import Foundation
import PolybotCore
import PolybotStore

/// Reads typed values out of a ``ConfigurationSource``, recording a problem (and returning a safe default)
/// for every value that does not parse, so validation can report all problems at once.
struct ConfigurationParser {
    let source: ConfigurationSource
    private(set) var problems: [String]

    init(source: ConfigurationSource) {
        self.source = source
        self.problems = source.problems
        // An empty value is refused wherever it comes from (environment, file, dashboard): it used to fall back to the
        // built-in default silently, which for a dashboard change meant overriding the environment's value unseen.
        for (key, value) in source.values.sorted(by: { $0.key < $1.key })
        where value.trimmingCharacters(in: .whitespaces).isEmpty && AppConfiguration.Key.known.contains(key)
            && key != "POLYBOT_CONFIG"
        {
            problems.append(
                "\(key): empty value (unset it to use the default\(source.origins[key] == "dashboard" ? ", or give a value" : ""))"
            )
        }
    }

    mutating func problem(_ text: String) { problems.append(text) }

    private func raw(_ key: String) -> String? {
        if let v = source.values[key], !v.isEmpty { return v }
        return AppConfiguration.Key.defaults.first { $0.0 == key }?.1
    }

    func optional(_ key: String) -> String? {
        guard let v = source.values[key], !v.isEmpty else { return nil }
        return v
    }

    func string(_ key: String) -> String { raw(key) ?? "" }

    mutating func int(_ key: String, in range: ClosedRange<Int>) -> Int {
        let text = raw(key) ?? ""
        guard let v = Int(text), range.contains(v) else {
            problem("\(key): must be a whole number in \(range.lowerBound)…\(range.upperBound), not \"\(text)\"")
            return range.lowerBound
        }
        return v
    }

    /// `true/false`, `on/off`, `yes/no`, `1/0`.
    mutating func flag(_ key: String) -> Bool {
        let text = (raw(key) ?? "").lowercased()
        switch text {
        case "true", "on", "yes", "1": return true
        case "false", "off", "no", "0": return false
        default:
            problem("\(key): must be true or false (on/off, yes/no, 1/0), not \"\(text)\"")
            return false
        }
    }

    /// A decimal amount in `[min, max]`: every money setting has an upper bound, so no arithmetic on it can overflow.
    mutating func money(_ key: String, min: Micros, max: Micros) -> Micros {
        let text = raw(key) ?? ""
        guard let v = Micros(decimal: text) else {
            problem("\(key): must be a decimal number, not \"\(text)\"")
            return min
        }
        if v < min {
            problem("\(key): must be ≥ \(min), not \(text)\(v.raw < 0 ? " (negative)" : "")")
            return min
        }
        if v > max {
            problem("\(key): must be ≤ \(max), not \(text)")
            return max
        }
        return v
    }

    /// A fraction such as `0.8` as basis points.
    mutating func ratioBps(_ key: String, minBps: Int, maxBps: Int) -> Int {
        let text = raw(key) ?? ""
        guard let v = Micros(decimal: text), v.raw % 100 == 0 else {
            problem("\(key): must be a fraction with at most 4 decimals, not \"\(text)\"")
            return minBps
        }
        let bps = Int(v.raw / 100)
        guard (minBps...maxBps).contains(bps) else {
            problem("\(key): must be between \(Double(minBps) / 10_000) and \(Double(maxBps) / 10_000), not \(text)")
            return minBps
        }
        return bps
    }

    /// A percentage such as `5` or `2.5` as basis points, in (0, 100].
    mutating func percentBps(_ key: String) -> Int {
        let text = raw(key) ?? ""
        guard let v = Micros(decimal: text), v.raw % 10_000 == 0 else {
            problem("\(key): must be a percentage with at most 2 decimals, not \"\(text)\"")
            return 1
        }
        let bps = Int(v.raw / 10_000)
        guard (1...10_000).contains(bps) else {
            problem("\(key): must be in (0, 100], not \(text)")
            return 1
        }
        return bps
    }

    mutating func choice<E: RawRepresentable<String> & CaseIterable>(_ key: String, _ type: E.Type) -> E? {
        let text = raw(key) ?? ""
        guard let v = E(rawValue: text) else {
            problem("\(key): must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\"")
            return nil
        }
        return v
    }

    mutating func url(_ key: String, schemes: Set<String>) -> String {
        let text = raw(key) ?? ""
        guard let u = URLComponents(string: text), let scheme = u.scheme, schemes.contains(scheme),
            u.host?.isEmpty == false
        else {
            problem("\(key): must be a \(schemes.sorted().joined(separator: "/")) URL with a host, not \"\(text)\"")
            return text
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    mutating func databaseURL() -> DatabaseURL? {
        // The URL carries the password, so it may come from a file too (`DATABASE_URL_FILE`, e.g. a container secret).
        guard let text = secret("DATABASE_URL")?.revealed else { return nil }
        do {
            return try DatabaseURL(text)
        } catch {
            problem("DATABASE_URL: \(error.reason)")
            return nil
        }
    }

    /// A secret from `KEY` or from the file named by `KEY_FILE` (trailing newline trimmed). Never echoed.
    mutating func secret(_ key: String) -> Secret? {
        if source.values[key] != nil && source.values[key + "_FILE"] != nil {
            problem("\(key) and \(key)_FILE are both set; keep one")
        }
        if let v = optional(key) { return Secret(v) }
        guard let path = optional(key + "_FILE") else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            problem("\(key)_FILE: cannot read \(path)")
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { problem("\(key)_FILE: \(path) is empty") }
        return trimmed.isEmpty ? nil : Secret(trimmed)
    }

    /// Settings that no longer exist, with what replaced them.
    static let removed = [
        "POLYBOT_PAPER_FEE_BPS":
            "removed: paper fills now pay each market's own taker fee from the venue's schedule (docs/decisions/0009-fees.md)",
        "POLYBOT_CLASS_INFORMED_MIN_SHRUNK_WIN_RATE":
            "removed: informed now means a positive edge over the price paid that survives false-discovery control (POLYBOT_CLASS_INFORMED_FDR, docs/decisions/0010-evidence.md)",
    ]

    /// Unknown `POLYBOT_*` keys are almost always typos of real settings.
    mutating func flagUnknownKeys() {
        let known = AppConfiguration.Key.known
        for key in source.values.keys.sorted() where !known.contains(key) && key.hasPrefix("POLYBOT_") {
            problem("\(key): \(Self.removed[key] ?? "unknown setting (typo?)")")
        }
    }
}
