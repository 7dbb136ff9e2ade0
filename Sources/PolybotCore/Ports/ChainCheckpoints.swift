/// The last chain block whose trades a chain source delivered as final.
public struct ChainCheckpoint: Sendable, Equatable {
    /// Block number.
    public var block: Int64
    /// Its hash when it was processed (`0x` + 64 hex).
    public var hash: String

    /// Creates a checkpoint.
    public init(block: Int64, hash: String) {
        self.block = block
        self.hash = hash
    }
}

/// Where a chain source keeps its progress, so a restart resumes at the last fully processed block.
public protocol ChainCheckpoints: Sendable {
    /// The saved checkpoint, nil on a fresh database.
    func load() async throws -> ChainCheckpoint?
    /// Saves a checkpoint (a later block replaces an earlier one).
    func save(_ checkpoint: ChainCheckpoint) async throws
}
