import NIOCore
import NIOHTTP1

/// Size limits on a request head, enforced in the channel before routing, so no oversized request holds a socket:
/// a request target over ``maxTarget`` bytes is answered **414**, a head whose header lines exceed ``maxHeaderBytes``
/// (or that the HTTP decoder itself refuses as too large) **431**, any other malformed head **400** — each with
/// `Connection: close`, after which the connection closes. (Hummingbird disables NIO's protocol error handler and
/// leaves a refused head to the connection's fate; this handler answers it.)
///
/// It also closes an HTTP connection that has been silent for the idle limit with no request in progress (the
/// ``IdleStateHandler`` in front of it reports the silence; Hummingbird's own idle timer starts only after a first
/// request). On a WebSocket upgrade both step aside: a stream may be quiet for as long as it likes.
final class RequestHeadLimit: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The longest request target accepted, bytes.
    static let maxTarget = 8 * 1024
    /// The most header bytes (names and values) accepted.
    static let maxHeaderBytes = 16 * 1024
    /// The decoder's own per-field and per-list limits (set on the server's decoder configuration). A head beyond it —
    /// a request target included — is refused by the decoder and answered 431.
    static let decoderLimit = 32 * 1024
    /// How long an HTTP connection may stay silent between requests, by default (`POLYBOT_HTTP_IDLE_SECONDS`).
    package static let defaultIdleSeconds = 30

    private var refused = false
    /// A request has been read and its response not yet written in full.
    private var inProgress = false
    /// The idle timer in front of the decoder (removed with this handler on an upgrade).
    private let idle: IdleStateHandler?
    /// The upgrade gate's predicate: a handshake it lets through becomes a WebSocket, so this handler steps aside.
    private let mayUpgrade: @Sendable (HTTPRequestHead) -> Bool

    init(mayUpgrade: @escaping @Sendable (HTTPRequestHead) -> Bool, idle: IdleStateHandler? = nil) {
        self.mayUpgrade = mayUpgrade
        self.idle = idle
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }  // the rest of a refused request is dropped
        if case .head(let head) = unwrapInboundIn(data) {
            if head.uri.utf8.count > Self.maxTarget {
                return refuse(context: context, .uriTooLong)
            }
            let bytes = head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if bytes > Self.maxHeaderBytes {
                return refuse(context: context, .requestHeaderFieldsTooLarge)
            }
            if head.headers.contains(name: "upgrade"), mayUpgrade(head) {
                // After a 101 the connection carries WebSocket frames, not HTTP parts.
                context.fireChannelRead(data)
                if let idle { context.pipeline.syncOperations.removeHandler(idle, promise: nil) }
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                return
            }
            inProgress = true
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { inProgress = false }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? IdleStateHandler.IdleStateEvent, e == .read, !inProgress {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        switch parserError {
        case .headerOverflow: refuse(context: context, .requestHeaderFieldsTooLarge)
        default: refuse(context: context, .badRequest)
        }
    }

    private func refuse(context: ChannelHandlerContext, _ status: HTTPResponseStatus) {
        guard !refused else { return }
        refused = true
        var headers = HTTPHeaders()
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
