import Foundation
import PolybotCore
import Polymarket

/// WebSocket subscribers: RTDS `activity`, the CLOB market channel and the user channel.
extension SimExchange {
    /// Registers an RTDS connection; frames for it arrive on the returned stream.
    public func openRTDS() -> (UUID, AsyncStream<String>) {
        let id = UUID()
        // Why bufferingOldest(100_000): a test client may lag behind a fast replay; keep every frame in order.
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(100_000))
        rtds[id] = RTDSSubscriber(continuation: continuation)
        return (id, stream)
    }

    /// Handles a client message on an RTDS connection; returns the text to answer, if any.
    public func rtdsMessage(_ id: UUID, text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.uppercased() == "PING" { return stalled ? nil : faults.rtdsPongText }
        guard let data = trimmed.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let action = object["action"] as? String, let subs = object["subscriptions"] as? [[String: Any]]
        else { return nil }  // like the real service: no ack, invalid messages are ignored
        for sub in subs where (sub["topic"] as? String) == "activity" {
            let type = sub["type"] as? String ?? "*"
            guard type == "trades" || type == "orders_matched" || type == "*" else { continue }
            var filterEvent: String?
            var filterMarket: String?
            if let f = sub["filters"] {
                // Accept the filter as a JSON string (official TS client) or as raw JSON (Rust SDK).
                let decoded: Any? =
                    (f as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? f
                if let d = decoded as? [String: Any] {
                    filterEvent = d["event_slug"] as? String
                    filterMarket = d["market_slug"] as? String
                }
            }
            rtds[id]?.subscribed = action == "subscribe"
            rtds[id]?.eventSlug = filterEvent
            rtds[id]?.marketSlug = filterMarket
        }
        return nil
    }

    /// Forgets an RTDS connection.
    public func closeRTDS(_ id: UUID) {
        rtds[id]?.continuation.finish()
        rtds[id] = nil
    }

    /// RTDS connections that have subscribed (tests wait for a client before publishing).
    public var rtdsSubscribers: Int { rtds.values.filter(\.subscribed).count }

    /// User-channel connections that have authenticated (tests wait for one before trading).
    public var authenticatedUserChannels: Int { userSubscribers.values.filter { !$0.apiKey.isEmpty }.count }

    /// Counts one RTDS frame written to a socket (tests wait on it: "the feed delivered N").
    func countRTDSFrameSent() { rtdsFramesSent += 1 }

    func broadcastRTDS(_ t: Trade) {
        // The venue since 2026-01-16: the topic is unsupported; with the fault the socket lives and says nothing.
        guard !rtds.isEmpty, !faults.rtdsActivityOff else { return }
        let frame = SimJSON.rtdsFrame(t, connectionId: "sim")
        for (_, s) in rtds where s.subscribed {
            if let e = s.eventSlug, e != t.eventSlug { continue }
            if let m = s.marketSlug, m != t.slug { continue }
            s.continuation.yield(frame)
        }
    }

    /// Registers a market-channel connection.
    public func openMarketChannel() -> (UUID, AsyncStream<String>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(100_000))
        marketSubscribers[id] = (continuation, [])
        return (id, stream)
    }

    /// Handles a market-channel message (subscribe / operation); sends the initial books.
    public func marketMessage(_ id: UUID, text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.uppercased() == "PING" { return stalled ? nil : "PONG" }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any],
            let ids = object["assets_ids"] as? [String], var sub = marketSubscribers[id]
        else { return nil }
        if object["custom_feature_enabled"] as? Bool == true { marketCustomFeatures.insert(id) }
        if (object["operation"] as? String) == "unsubscribe" {
            sub.assets.subtract(ids)
        } else {
            sub.assets.formUnion(ids)
            let books = ids.compactMap { book(token: $0) }.map { SimJSON.bookEvent($0) }
            if !books.isEmpty { sub.continuation.yield("[" + books.joined(separator: ",") + "]") }
        }
        marketSubscribers[id] = sub
        return nil
    }

    /// Forgets a market-channel connection.
    public func closeMarketChannel(_ id: UUID) {
        marketSubscribers[id]?.continuation.finish()
        marketSubscribers[id] = nil
        marketCustomFeatures.remove(id)
    }

    func broadcastMarket(_ t: Trade) {
        for (_, s) in marketSubscribers where s.assets.contains(t.asset) {
            s.continuation.yield(
                "{\"event_type\":\"last_trade_price\",\"asset_id\":\"\(t.asset)\",\"market\":\"\(t.conditionId)\",\"price\":\"\(t.price)\","
                    + "\"side\":\"\(t.side.rawValue)\",\"size\":\"\(t.size)\",\"fee_rate_bps\":\"0\",\"timestamp\":\"\(t.timestamp * 1000)\","
                    + "\"transaction_hash\":\"\(t.transactionHash)\"}")
            if let b = book(token: t.asset) { s.continuation.yield(SimJSON.bookEvent(b)) }
        }
    }

    /// Registers a user-channel connection; the first message must authenticate.
    public func openUserChannel() -> (UUID, AsyncStream<String>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(100_000))
        userSubscribers[id] = (continuation, "")
        return (id, stream)
    }

    /// Handles a user-channel message: `{"auth": {...}, "type": "user"}` binds the connection to an API key.
    public func userMessage(_ id: UUID, text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.uppercased() == "PING" { return stalled ? nil : "PONG" }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any],
            let auth = object["auth"] as? [String: Any], let key = auth["apiKey"] as? String,
            let account = accounts[key], account.credentials.secret == auth["secret"] as? String,
            account.credentials.passphrase == auth["passphrase"] as? String
        else { return nil }
        userSubscribers[id]?.apiKey = key
        return nil
    }

    /// Forgets a user-channel connection.
    public func closeUserChannel(_ id: UUID) {
        userSubscribers[id]?.continuation.finish()
        userSubscribers[id] = nil
    }

    func sendUser(apiKey: String, _ text: String) {
        for (_, s) in userSubscribers where s.apiKey == apiKey { s.continuation.yield(text) }
    }

    /// Delivers user events whose time has come (MINED / CONFIRMED follow MATCHED after a delay).
    public func deliverDueEvents() {
        let now = ContinuousClock.now
        var keep: [(due: ContinuousClock.Instant, apiKey: String, text: String)] = []
        for e in pendingEvents {
            if e.due <= now { sendUser(apiKey: e.apiKey, e.text) } else { keep.append(e) }
        }
        pendingEvents = keep
    }

    /// Closes every WebSocket (the `drop` fault); clients must reconnect and resubscribe.
    public func dropAllSockets() {
        for (_, s) in rtds { s.continuation.finish() }
        for (_, s) in marketSubscribers { s.continuation.finish() }
        for (_, s) in userSubscribers { s.continuation.finish() }
        rtds.removeAll()
        marketSubscribers.removeAll()
        userSubscribers.removeAll()
    }
}
