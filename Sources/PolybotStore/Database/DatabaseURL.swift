import Foundation
import NIOSSL
import PostgresNIO

/// A parsed `postgres://user:password@host:port/database?sslmode=…` URL.
package struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// TLS policy, from `sslmode`.
    package enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    package var host: String
    package var port: Int
    package var username: String
    /// The password; never printed (see ``description``).
    package var password: String?
    package var database: String
    package var tls: TLSMode

    /// Parses a URL.
    ///
    /// - Throws: a message naming what is wrong (scheme, host, port, database, sslmode).
    package init(_ text: String) throws(DatabaseURLError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme else {
            throw DatabaseURLError(reason: "not a URL")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw DatabaseURLError(reason: "scheme must be postgres:// or postgresql://, not \(scheme)://")
        }
        guard let host = components.host, !host.isEmpty else { throw DatabaseURLError(reason: "no host") }
        if let port = components.port, !(1...65535).contains(port) {
            throw DatabaseURLError(reason: "port out of range")
        }
        let db = String(components.path.drop { $0 == "/" })
        guard !db.isEmpty else { throw DatabaseURLError(reason: "no database name in the path") }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            switch item.value ?? "" {
            case "disable", "allow": tls = .disable
            case "prefer": tls = .prefer
            case "require", "verify-ca", "verify-full": tls = .require
            default: throw DatabaseURLError(reason: "unknown sslmode \(item.value ?? "")")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user.map { $0.removingPercentEncoding ?? $0 } ?? "postgres"
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = db
        self.tls = tls
    }

    /// The URL with the password replaced, safe to log.
    package var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    /// A postgres-nio client configuration.
    package func clientConfiguration() -> PostgresClient.Configuration {
        let tlsConfig: PostgresClient.Configuration.TLS =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var config = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsConfig)
        config.options.maximumConnections = 20
        return config
    }
}

/// Why a `DATABASE_URL` was refused.
package struct DatabaseURLError: Error, CustomStringConvertible, Equatable {
    package var reason: String
    package var description: String { "DATABASE_URL is malformed: \(reason)" }
}

extension DatabaseURL {
    /// Builds a URL value from its parts.
    package static func make(
        host: String, port: Int, username: String, password: String?, database: String,
        tls: TLSMode
    ) -> DatabaseURL {
        // The parts are already valid, so parsing the assembled text cannot fail; build it directly instead.
        DatabaseURL(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    private init(host: String, port: Int, username: String, password: String?, database: String, tls: TLSMode) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }
}
