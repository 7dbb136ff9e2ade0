import Foundation
import Logging
import PolybotCore
import PolybotStore

/// `polybot whales …` and `polybot baskets …`: manage wallets and baskets from the shell, audited like the API.
public enum AdminCommand {
    /// One administrative action.
    public enum Action: Sendable {
        case whalesList
        case whaleShow(String)
        case whaleAdd(String, label: String, tags: [String])
        case whaleRemove(String)
        /// Allow-list (true) or deny-list (false).
        case whaleList(String, allow: Bool)
        case basketsList
        case basketShow(String)
        case basketCreate(
            name: String, category: String, windowHours: Int, minMembers: Int, ratio: String, minUpside: String)
        case basketDelete(String)
        case basketAddMember(basket: String, wallet: String)
        case basketRemoveMember(basket: String, wallet: String)
    }

    /// A refused action, with a message for the operator.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs an action against the configured database.
    ///
    /// - Returns: the text to print.
    public static func run(_ action: Action, config: AppConfiguration, logger: Logger) async throws -> String {
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        return try await database.withClient(logger: logger) { client in
            let runner = try DatabaseLifecycle.migrationRunner(config, client: client, logger: logger)
            let pending = try await runner.pending()
            guard pending.isEmpty else { throw MigrationError.pending(pending.map(\.name)) }
            return try await perform(action, store: PolybotStore(client: client, logger: logger))
        }
    }

    /// Performs an action on a store (tests call this directly).
    package static func perform(_ action: Action, store: PolybotStore) async throws -> String {
        func address(_ text: String) throws -> Address {
            guard let a = Address(text) else { throw Failure(description: "\(text) is not a 0x address") }
            return a
        }
        func basket(_ name: String) async throws -> Basket {
            guard let b = try await store.baskets.get(name: name) else {
                throw Failure(description: "no basket named \(name)")
            }
            return b
        }
        func audit(_ action: String, _ target: String, _ details: String = "{}") async throws {
            try await store.audit.append(actor: "cli:\(NSUserName())", action: action, target: target, details: details)
        }
        switch action {
        case .whalesList:
            let whales = try await store.whales.all()
            let scores = try await store.scores.latest(wallets: whales.map(\.address), excludingRun: nil)
            return whales.map { w in
                let s = scores[w.address]
                return [
                    w.address.hex, w.tracked ? "tracked" : "candidate", w.listStatus.rawValue,
                    s?.walletClass.rawValue ?? "-",
                    s.map { String(format: "lb=%.3f", $0.winRateLowerBound) } ?? "-", w.label,
                    w.tags.joined(separator: ","),
                ]
                .joined(separator: "  ")
            }.joined(separator: "\n")
        case .whaleShow(let text):
            let a = try address(text)
            guard let w = try await store.whales.get(a) else { throw Failure(description: "\(a) is not a known whale") }
            let history = try await store.scores.history(a, limit: 5)
            var lines = [
                "\(w.address.hex) \(w.tracked ? "tracked" : "candidate") \(w.listStatus.rawValue) source=\(w.source.rawValue) label=\(w.label) tags=\(w.tags.joined(separator: ","))"
            ]
            for s in history {
                lines.append(
                    "  \(s.computedAt): class=\(s.walletClass.rawValue) closed=\(s.closedPositions) winRate=\(s.winRate.map { String(format: "%.3f", $0) } ?? "null") lb=\(String(format: "%.3f", s.winRateLowerBound)) pnl=\(s.realizedPnl)"
                )
            }
            return lines.joined(separator: "\n")
        case .whaleAdd(let text, let label, let tags):
            let a = try address(text)
            var w = try await store.whales.get(a) ?? Whale(address: a)
            w.tracked = true
            if !label.isEmpty { w.label = label }
            w.tags = Array(Set(w.tags + tags)).sorted()
            try await store.whales.upsert(w)
            try await audit("whale.add", a.hex)
            return "tracking \(a.hex)"
        case .whaleRemove(let text):
            let a = try address(text)
            guard try await store.whales.delete(a) else { throw Failure(description: "\(a) is not a known whale") }
            try await audit("whale.remove", a.hex)
            return "removed \(a.hex)"
        case .whaleList(let text, let allow):
            let status: ListStatus = allow ? .allow : .deny
            let a = try address(text)
            var w = try await store.whales.get(a) ?? Whale(address: a, tracked: false)
            w.listStatus = status
            try await store.whales.upsert(w)
            try await audit("whale.\(status.rawValue)", a.hex)
            return "\(a.hex) is now \(status.rawValue)"
        case .basketsList:
            var lines: [String] = []
            for b in try await store.baskets.list() {
                let members = try await store.baskets.members(basketId: b.id)
                lines.append(
                    "\(b.name)  category=\(b.category) window=\(b.windowHours)h minMembers=\(b.minMembers) ratio=\(Double(b.consensusRatioBps) / 100)% upside=\(b.minUpside) members=\(members.count)\(b.enabled ? "" : " (disabled)")"
                )
            }
            return lines.joined(separator: "\n")
        case .basketShow(let name):
            let b = try await basket(name)
            let members = try await store.baskets.members(basketId: b.id)
            return
                ([
                    "\(b.name) (\(b.category)): window \(b.windowHours)h, ≥ \(b.minMembers) members, ≥ \(Double(b.consensusRatioBps) / 100)% agreeing, upside ≥ \(b.minUpside)"
                ]
                + members.map { "  \($0.wallet.hex) weight=\(Double($0.weightBps) / 10_000) \($0.membership.rawValue)" })
                .joined(separator: "\n")
        case .basketCreate(let name, let category, let windowHours, let minMembers, let ratio, let minUpside):
            guard (1...168).contains(windowHours) else { throw Failure(description: "--window-hours must be 1…168") }
            guard minMembers >= 1 else { throw Failure(description: "--min-members must be ≥ 1") }
            guard let r = Micros(decimal: ratio), r.raw % 100 == 0, (5_001...10_000).contains(Int(r.raw / 100)) else {
                throw Failure(description: "--ratio must be a fraction above 0.5 and at most 1, like 0.8")
            }
            guard let up = Micros(decimal: minUpside), up >= .zero, up <= .one else {
                throw Failure(description: "--min-upside must be within 0…1")
            }
            let b = try await store.baskets.create(
                Basket(
                    name: name, category: category, windowHours: windowHours, minMembers: minMembers,
                    consensusRatioBps: Int(r.raw / 100), minUpside: up))
            try await audit("basket.create", name)
            return "created basket \(b.name) (id \(b.id))"
        case .basketDelete(let name):
            let b = try await basket(name)
            try await store.baskets.delete(id: b.id)
            try await audit("basket.delete", name)
            return "deleted basket \(name)"
        case .basketAddMember(let name, let text):
            let b = try await basket(name)
            let a = try address(text)
            if try await store.whales.get(a) == nil { try await store.whales.upsert(Whale(address: a)) }
            try await store.baskets.upsertMember(basketId: b.id, BasketMember(wallet: a))
            try await audit("basket.member.add", name, #"{"wallet":"\#(a.hex)"}"#)
            return "added \(a.hex) to \(name)"
        case .basketRemoveMember(let name, let text):
            let b = try await basket(name)
            let a = try address(text)
            guard try await store.baskets.removeMember(basketId: b.id, wallet: a) else {
                throw Failure(description: "\(a.hex) is not in \(name)")
            }
            try await audit("basket.member.remove", name, #"{"wallet":"\#(a.hex)"}"#)
            return "removed \(a.hex) from \(name)"
        }
    }
}
