import Foundation

/// A ``ScoreFold`` fed in time order that takes the repeated-look rule's earlier looks on the way to a score at `now`:
/// at `now − k × ` ``ScoringParameters/informedLookSpacingSeconds`` for `k = informedLooks − 1 … 1`, each with only
/// the trades before it, then at `now`.
///
/// A fold continued from a checkpoint gives what a fresh fold of the whole history gives as long as every look is at
/// or after the checkpoint's last snapshot (``canContinue(_:now:)``): a wallet's class at `now` depends only on
/// whether it passed at each of these looks, so passes counted at earlier snapshots change nothing.
public struct RepeatedLookFold: Sendable {
    /// The fold.
    public private(set) var fold: ScoreFold
    /// The look times before `now`, oldest first.
    public let looks: [Int64]
    /// The time scored.
    public let now: Int64
    /// The wallets each look scores (all when nil); Benjamini–Hochberg runs over them.
    public let wallets: Set<Address>?
    private var next = 0

    /// Starts looking on `fold` towards `now`.
    public init(_ fold: ScoreFold, now: Int64, wallets: Set<Address>? = nil) {
        self.fold = fold
        self.now = now
        self.wallets = wallets
        looks = Self.looks(now: now, parameters: fold.parameters)
    }

    /// The times of the looks before `now` (oldest first).
    public static func looks(now: Int64, parameters: ScoringParameters) -> [Int64] {
        stride(from: max(1, parameters.informedLooks) - 1, to: 0, by: -1).map {
            now - Int64($0) * parameters.informedLookSpacingSeconds
        }
    }

    /// Nil when a fold whose newest snapshot was at `fold.lastSnapshotAt` and newest trade at `fold.lastTime` can be
    /// continued towards `now` and give what a full re-fold gives; otherwise why not.
    public static func obstacle(_ fold: ScoreFold, now: Int64) -> String? {
        let first = looks(now: now, parameters: fold.parameters).first ?? now
        if let at = fold.lastSnapshotAt, first < at {
            return "the first look (\(first)) is before the checkpoint's snapshot (\(at))"
        }
        if fold.lastTime >= first { return "the checkpoint holds trades at or after the first look (\(first))" }
        return nil
    }

    /// Adds one trade (time order, before `now`), looking first at any look time it reaches.
    public mutating func add(_ t: Trade) {
        while next < looks.count, t.timestamp >= looks[next] {
            _ = fold.snapshot(asOf: looks[next], wallets: wallets)
            next += 1
        }
        fold.add(t)
    }

    /// The looks left, then the scores at `now`.
    public mutating func finish() -> [WalletScoring.Result] {
        while next < looks.count {
            _ = fold.snapshot(asOf: looks[next], wallets: wallets)
            next += 1
        }
        return fold.snapshot(asOf: now, wallets: wallets)
    }
}
