import Foundation
import PolybotCore

/// The last leaderboard, built one at a time and served stale while the next build runs (``RebuildingCache``;
/// concurrent requests on a stale leaderboard used to start a rebuild each). Each query's order and each row's JSON
/// are worked out once per build.
actor LeaderboardCache {
    /// What a request asks of the rows.
    struct Query: Hashable, Sendable {
        var sort: String
        var ascending: Bool
        var walletClass: String?
        var category: String?
        var onePerCluster: Bool
    }

    /// The rows a query keeps, by position, in its order; and their categories.
    struct Ordered: Sendable {
        var positions: [Int]
        var categories: [String]
    }

    /// One page: its rows' JSON objects, the query's row count and categories.
    struct Page: Sendable {
        var items: [String]
        var total: Int
        var categories: [String]
    }

    private let rows = RebuildingCache<Int, [LeaderboardRow]>(capacity: 1)
    /// The build the orders and encoded rows below were worked out on.
    private var generation = 0
    private var orders: [Query: Ordered] = [:]
    private var encoded: [Int: String] = [:]

    /// A page of the rows for `query`: the cached rows if younger than `maxAge`; else a build is started (one at a
    /// time) and the cached rows are used meanwhile when younger than the stale limit, the build's otherwise.
    func page(
        _ query: Query, offset: Int, limit: Int, maxAge: Duration,
        build: @escaping @Sendable () async throws -> [LeaderboardRow],
        order: @Sendable ([LeaderboardRow]) -> Ordered
    ) async throws -> Page {
        let (rows, built) = try await rows.value(for: 0, maxAge: maxAge, build: build)
        if built != generation {
            generation = built
            orders = [:]
            encoded = [:]
        }
        let ordered: Ordered
        if let known = orders[query] {
            ordered = known
        } else {
            ordered = order(rows)
            orders[query] = ordered
        }
        var items: [String] = []
        for i in ordered.positions.dropFirst(offset).prefix(limit) {
            if let json = encoded[i] {
                items.append(json)
            } else {
                let json = String(decoding: try jsonBytes(rows[i]), as: UTF8.self)
                encoded[i] = json
                items.append(json)
            }
        }
        return Page(items: items, total: ordered.positions.count, categories: ordered.categories)
    }
}
