import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Who is calling.
package enum Role: String, Sendable {
    /// The operator (logged in with the password): reads and changes everything.
    case operator_ = "operator"
    /// The read-only token: reads only.
    case readOnly = "read_only"
}

/// The request context of the daemon's router: the authenticated role, and a small body limit.
package struct APIContext: RequestContext, WebSocketRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let webSocket: WebSocketHandlerReference<Self>
    /// Set by ``AuthMiddleware``.
    package var role: Role?
    /// The peer's IP address (login throttling), `unknown` when the channel has none.
    package let clientAddress: String

    package init(source: Source) {
        coreContext = .init(source: source)
        webSocket = .init()
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies above 64 KiB are refused with 413: nothing the API accepts is that big.
    package var maxUploadSize: Int { 64 * 1024 }
}
