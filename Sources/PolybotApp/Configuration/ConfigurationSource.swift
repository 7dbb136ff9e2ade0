import Foundation

/// Where configuration values come from: the environment, an optional `KEY=VALUE` file, and command-line
/// overrides, in increasing order of precedence. Records the origin of every value for `polybot config show`.
public struct ConfigurationSource: Sendable {
    /// Values by key.
    public private(set) var values: [String: String] = [:]
    /// Origin of each value: `env`, `file:<path>` or `flag`.
    public private(set) var origins: [String: String] = [:]
    /// Problems found while reading the file.
    public private(set) var problems: [String] = []

    /// Reads the file (if any) then the environment, which wins over the file.
    ///
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - file: path of a `KEY=VALUE` file (`#` comments, optional quotes); `POLYBOT_CONFIG` when nil.
    public init(environment: [String: String], file: String? = nil) {
        let path = file ?? environment["POLYBOT_CONFIG"]
        if let path, !path.isEmpty {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let line = rawLine.trimmingCharacters(in: .whitespaces)
                    if line.isEmpty || line.hasPrefix("#") { continue }
                    let body = line.hasPrefix("export ") ? String(line.dropFirst(7)) : line
                    guard let eq = body.firstIndex(of: "=") else {
                        problems.append("\(path):\(number + 1): expected KEY=VALUE")
                        continue
                    }
                    let key = body[..<eq].trimmingCharacters(in: .whitespaces)
                    var value = body[body.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                    if value.count >= 2, let f = value.first, f == value.last, f == "\"" || f == "'" {
                        value = String(value.dropFirst().dropLast())
                    }
                    values[key] = value
                    origins[key] = "file:\(path)"
                }
            } else {
                problems.append("POLYBOT_CONFIG: cannot read \(path)")
            }
        }
        for (key, value) in environment where ConfigurationSource.isOurs(key) {
            values[key] = value
            origins[key] = "env"
        }
    }

    /// Applies a command-line override.
    public mutating func override(_ key: String, _ value: String?) {
        guard let value else { return }
        values[key] = value
        origins[key] = "flag"
    }

    /// Applies a setting stored by the operator (origin `dashboard`).
    public mutating func operatorSetting(_ key: String, _ value: String) {
        values[key] = value
        origins[key] = "dashboard"
    }

    /// True for keys Polybot reads (`POLYBOT_*`, `POLY_*`, `DATABASE_URL`, `DATABASE_URL_FILE`).
    static func isOurs(_ key: String) -> Bool {
        key.hasPrefix("POLYBOT_") || key.hasPrefix("POLY_") || key == "DATABASE_URL" || key == "DATABASE_URL_FILE"
    }
}
