import PostgresNIO

/// Failures of the store, mapped from SQLSTATE codes where they mean something to the domain.
package enum StoreError: Error, CustomStringConvertible, Equatable {
    /// A unique key already exists (SQLSTATE 23505); carries the constraint name.
    case duplicate(constraint: String)
    /// A referenced row is missing (SQLSTATE 23503).
    case missingReference(constraint: String)
    /// A CHECK constraint refused a value (SQLSTATE 23514).
    case invalidValue(constraint: String)
    /// A row expected to exist does not.
    case notFound(String)
    /// The database returned something the store cannot map.
    case corruptRow(String)

    package var description: String {
        switch self {
        case .duplicate(let c): "already exists (\(c))"
        case .missingReference(let c): "refers to a row that does not exist (\(c))"
        case .invalidValue(let c): "value rejected by constraint \(c)"
        case .notFound(let what): "not found: \(what)"
        case .corruptRow(let what): "unexpected row contents: \(what)"
        }
    }

    /// Maps a postgres-nio error to a domain error where the SQLSTATE has one; otherwise returns it unchanged.
    package static func map(_ error: any Error) -> any Error {
        guard let psql = error as? PSQLError, let server = psql.serverInfo, let state = server[.sqlState] else {
            return error
        }
        let constraint = server[.constraintName] ?? "?"
        switch state {
        case "23505": return StoreError.duplicate(constraint: constraint)
        case "23503": return StoreError.missingReference(constraint: constraint)
        case "23514": return StoreError.invalidValue(constraint: constraint)
        default: return error
        }
    }

    /// Whether an error means the database is down — a time-out or open breaker (``DatabaseUnavailable``), or a
    /// postgres-nio error with no server answer (the connection failed or closed) — as opposed to the server refusing
    /// a statement. The API answers 503 for these, 500 for the rest.
    package static func isDatabaseDown(_ error: any Error) -> Bool {
        if error is DatabaseUnavailable { return true }
        if let psql = error as? PSQLError { return psql.serverInfo == nil }
        return false
    }
}

/// Runs `body`, translating database errors with ``StoreError/map(_:)``.
@discardableResult
package func mappingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch { throw StoreError.map(error) }
}
