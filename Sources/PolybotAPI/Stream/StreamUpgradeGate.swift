import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP/1 + WebSocket server channel with a gate in front of the upgrade: a WebSocket handshake that carries no
/// credential that could pass ``AuthMiddleware`` (a valid bearer token, or an unspent stream ticket) has its upgrade
/// headers removed and so goes through normal routing, where the router matches the stream route and the middleware
/// answers **401** with the usual headers. (Hummingbird answers every refused upgrade with a bare 400.)
///
/// The gate never grants anything: a handshake it lets through is still authenticated — and its ticket spent — by
/// ``AuthMiddleware`` on the route the router matched.
package struct GatedWebSocketChannel: ServerChildChannel {
    package typealias Value = HTTP1WebSocketUpgradeChannel.Value
    let inner: HTTP1WebSocketUpgradeChannel
    let mayUpgrade: @Sendable (HTTPRequestHead) -> Bool
    /// How long a connection may stay silent before its next request head.
    let idleLimit: TimeAmount

    package func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let ops = channel.pipeline.syncOperations
            let decoder = try ops.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try ops.addHandler(UpgradeGate(mayUpgrade: mayUpgrade), position: .after(decoder))
            // Directly after the decoder (before the gate): oversized or malformed heads are answered here.
            let idle = IdleStateHandler(readTimeout: idleLimit)
            try ops.addHandler(idle, position: .first)
            try ops.addHandler(RequestHeadLimit(mayUpgrade: mayUpgrade, idle: idle), position: .after(decoder))
            return value
        }
    }

    package func handle(value: Value, logger: Logger) async { await inner.handle(value: value, logger: logger) }

    /// The server builder for ``Hummingbird/Application``.
    package static func builder<Router: HTTPResponderBuilder>(
        webSocketRouter: Router, configuration: HTTP1WebSocketUpgradeChannel.Configuration,
        idleSeconds: Int = RequestHeadLimit.defaultIdleSeconds,
        mayUpgrade: @escaping @Sendable (HTTPRequestHead) -> Bool
    ) -> HTTPServerBuilder where Router.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { responder in
            GatedWebSocketChannel(
                inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
                mayUpgrade: mayUpgrade, idleLimit: .seconds(Int64(idleSeconds)))
        }
    }
}

/// Strips `Upgrade` (and the `upgrade` token of `Connection`) from a request head the gate refuses.
final class UpgradeGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    let mayUpgrade: @Sendable (HTTPRequestHead) -> Bool

    init(mayUpgrade: @escaping @Sendable (HTTPRequestHead) -> Bool) { self.mayUpgrade = mayUpgrade }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        guard case .head(var head) = part, head.headers.contains(name: "upgrade") else {
            context.fireChannelRead(data)
            return
        }
        guard mayUpgrade(head) else {
            head.headers.remove(name: "upgrade")
            head.headers.remove(name: "connection")
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        // Let this handshake through and step aside: after a 101 the connection carries WebSocket frames, not HTTP.
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
