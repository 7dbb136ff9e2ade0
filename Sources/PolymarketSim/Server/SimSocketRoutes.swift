import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import PolybotCore

/// The three WebSocket services. Each connection reads client messages while a child task forwards the
/// exchange's frames; when the exchange ends the stream (the `drop` fault) the socket is closed.
enum SimSocketRoutes {
    static func add(to router: Router<BasicWebSocketRequestContext>, exchange: SimExchange, logger: Logger) {
        router.ws("/ws") { inbound, outbound, _ in
            let (id, frames) = await exchange.openRTDS()
            try await serve(inbound: inbound, outbound: outbound, frames: frames, exchange: exchange, rtds: true) {
                text in await exchange.rtdsMessage(id, text: text)
            }
            await exchange.closeRTDS(id)
        }
        // JSON-RPC over WebSocket: `eth_subscribe` / `eth_unsubscribe`, and every HTTP method answered in place.
        router.ws("/rpc") { inbound, outbound, _ in
            let (id, frames) = await exchange.openRPCSocket()
            try await serve(inbound: inbound, outbound: outbound, frames: frames, exchange: exchange) { text in
                let body = Data(text.utf8)
                if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
                    let reply = await exchange.rpcSubscription(
                        id, object, id: (object["id"] as? NSNumber)?.stringValue ?? "1")
                {
                    return reply
                }
                return await SimRPCRoutes.answer(body, exchange: exchange)
            }
            await exchange.closeRPCSocket(id)
        }
        router.ws("/clob-ws/market") { inbound, outbound, _ in
            let (id, frames) = await exchange.openMarketChannel()
            try await serve(inbound: inbound, outbound: outbound, frames: frames, exchange: exchange) { text in
                await exchange.marketMessage(id, text: text)
            }
            await exchange.closeMarketChannel(id)
        }
        router.ws("/clob-ws/user") { inbound, outbound, _ in
            let (id, frames) = await exchange.openUserChannel()
            try await serve(inbound: inbound, outbound: outbound, frames: frames, exchange: exchange) { text in
                await exchange.userMessage(id, text: text)
            }
            await exchange.closeUserChannel(id)
        }
    }

    private static func serve(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, frames: AsyncStream<String>,
        exchange: SimExchange, rtds: Bool = false,
        onText: @escaping @Sendable (String) async -> String?
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in frames {
                    // A silent stall drops frames on the floor: the socket stays open, nothing arrives.
                    if await exchange.stalled { continue }
                    try await outbound.write(.text(frame))
                    if rtds { await exchange.countRTDSFrameSent() }
                }
                try? await outbound.close(.goingAway, reason: "connection dropped")
            }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                if let reply = await onText(text) { try await outbound.write(.text(reply)) }
            }
            group.cancelAll()
        }
    }
}
