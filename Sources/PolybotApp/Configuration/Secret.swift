/// A secret value (private key, API secret, passphrase) that never prints itself.
///
/// `description`, `debugDescription` and string interpolation all give `<redacted>`; the value is only
/// reachable through ``revealed``, which call sites use at the moment of signing.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String

    /// Wraps a secret.
    public init(_ value: String) { self.value = value }

    /// The secret itself. Never log it.
    public var revealed: String { value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
