import Foundation

/// A 503 in which the matching engine says it takes no new (taker) orders for now (venue facts §4.1): post-only mode
/// for about two minutes after every restart, or cancel-only mode (hours, at a cutover).
public struct VenueRestriction: Sendable, Equatable {
    /// Which restriction.
    public enum Mode: String, Sendable, Equatable {
        /// `{"error":"post-only mode: …","code":"post_only_mode","retry_after_seconds":79}` plus `Retry-After`.
        case postOnly = "post_only_mode"
        /// `{"error":"Trading is currently cancel-only. New orders are not accepted, but cancels are allowed."}`.
        case cancelOnly = "cancel_only"
    }

    public var mode: Mode
    /// The venue's text.
    public var message: String
    /// Seconds until it may take the order: the body's `retry_after_seconds`, else the `Retry-After` header; nil when
    /// the venue said neither (cancel-only says nothing).
    public var retryAfter: Double?

    /// Creates a restriction.
    public init(mode: Mode, message: String, retryAfter: Double?) {
        self.mode = mode
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Reads a 503 body; nil when it is not one of the venue's trading restrictions (an ordinary 503 stays a status).
    public init?(body: Data, retryAfterHeader: Double?) {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        let message = object["error"] as? String ?? ""
        let code = object["code"] as? String
        let seconds = (object["retry_after_seconds"] as? NSNumber)?.doubleValue ?? retryAfterHeader
        if code == Mode.postOnly.rawValue || message.lowercased().hasPrefix("post-only mode") {
            self.init(mode: .postOnly, message: message, retryAfter: seconds)
        } else if code == Mode.cancelOnly.rawValue || message.lowercased().contains("cancel-only") {
            self.init(mode: .cancelOnly, message: message, retryAfter: seconds)
        } else {
            return nil
        }
    }
}
