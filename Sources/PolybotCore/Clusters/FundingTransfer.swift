/// One ERC-20 `Transfer` of a collateral token (pUSD, USDC.e): who sent how much to whom, and when.
///
/// The funding evidence of ``FundingLinks``; read from a transfers file (`block_time,token,from,to,amount`) or from
/// the chain's `Transfer` logs.
public struct FundingTransfer: Sendable, Hashable, Codable {
    /// Block time, Unix seconds.
    public var time: Int64
    /// The token contract.
    public var token: Address
    public var from: Address
    public var to: Address
    /// Token units with 6 decimals (pUSD and USDC.e both have 6).
    public var amount: Micros

    /// Creates a transfer.
    public init(time: Int64, token: Address, from: Address, to: Address, amount: Micros) {
        self.time = time
        self.token = token
        self.from = from
        self.to = to
        self.amount = amount
    }
}
