import ArgumentParser

/// The funding evidence `replay` and `backtest` take (issue 31): wallets of one funder vote once.
struct FundingOptions: ParsableArguments {
    @Option(
        help:
            "ERC-20 transfers (CSV block_time,token,from,to,amount) for funding links: wallets of one funder vote once."
    ) var transfers: String?
    @Option(
        help: "Funders that never link wallets, beyond Polymarket's contracts (comma-separated; exchanges, bridges)."
    ) var fundingExcluded: [String] = []
}
