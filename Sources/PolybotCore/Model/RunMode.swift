/// How orders are executed.
public enum RunMode: String, Sendable, Codable, Hashable, CaseIterable {
    /// Filled by walking the real book with a modelled copy delay; no order leaves the machine.
    case paper
    /// Intents wait for an operator's approval.
    case approve
    /// Signed CLOB V2 orders are posted.
    case live
}
