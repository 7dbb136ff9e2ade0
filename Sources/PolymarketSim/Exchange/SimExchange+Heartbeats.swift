import Foundation
import PolybotCore

/// The venue's dead-man switch (venue facts §4.4): `POST /v1/heartbeats` with the previous `heartbeat_id` keeps an API
/// key's orders alive; when 10 s pass without one, every order of that key still resting is cancelled. The timer starts
/// with the key's first heartbeat (the SDK's reading; UNCONFIRMED), or — with the `requireHeartbeats` fault — with the
/// key's first resting order, heartbeats or not.
public struct SimHeartbeatCancel: Sendable, Equatable {
    public var apiKey: String
    public var orderId: String
    /// How long the key had been silent (since its last heartbeat, or since the timer was armed) when it was cancelled.
    public var silentFor: Duration
}

extension SimExchange {
    /// The venue's deadline.
    static let heartbeatDeadline: Duration = .seconds(10)

    /// One heartbeat: the next id of the chain, or the id the venue expects when `previous` is not it.
    public func heartbeat(apiKey: String, previous: String) -> HeartbeatResult {
        let now = ContinuousClock.now
        heartbeatsReceived[apiKey, default: 0] += 1
        if let session = heartbeatSessions[apiKey], session.id != previous {
            return .expected(session.id)
        }
        let next = UUID().uuidString.lowercased()
        heartbeatSessions[apiKey] = (next, now)
        heartbeatArmed[apiKey] = nil
        return .next(next)
    }

    /// The heartbeats an API key has sent (tests).
    public func heartbeats(apiKey: String) -> Int { heartbeatsReceived[apiKey] ?? 0 }

    /// Cancels the resting orders of every key whose deadline passed (the replay loop calls it every 20 ms).
    func enforceHeartbeats() {
        let now = ContinuousClock.now
        var silent: [String: Duration] = [:]
        for (key, session) in heartbeatSessions where now - session.last > Self.heartbeatDeadline {
            silent[key] = now - session.last
        }
        if faults.requireHeartbeats {
            let resting = Set(orders.values.filter { $0.status == "LIVE" }.map(\.apiKey))
            for key in resting where heartbeatSessions[key] == nil {
                let armed = heartbeatArmed[key] ?? now
                heartbeatArmed[key] = armed
                if now - armed > Self.heartbeatDeadline { silent[key] = now - armed }
            }
        }
        for (key, duration) in silent {
            heartbeatSessions[key] = nil
            heartbeatArmed[key] = nil
            for o in orders.values where o.apiKey == key && o.status == "LIVE" {
                if cancel(apiKey: key, orderId: o.id) {
                    heartbeatCancels.append(SimHeartbeatCancel(apiKey: key, orderId: o.id, silentFor: duration))
                }
            }
        }
    }
}

/// The answer to a heartbeat.
public enum HeartbeatResult: Sendable, Equatable {
    case next(String)
    case expected(String)
}
