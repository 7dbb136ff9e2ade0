import PolybotCore

/// The senders that never make two wallets one trader by funding them (issue 31): Polymarket's own contracts (venue
/// facts §3.2: exchanges, the position ledger and its modules, the auto-redeemer, the collateral adapters, the deposit
/// wallet factory, the CTF), the collateral tokens themselves and the zero address (mints). Exchanges' hot wallets and
/// bridges are added by configuration (`POLYBOT_FUNDING_EXCLUDED`): their addresses are not facts this code can source.
public enum FundingDefaults {
    /// Polymarket's contracts, the collateral tokens and the zero address.
    public static let excluded: Set<Address> = Set(
        [
            "0x0000000000000000000000000000000000000000",
            "0xE111180000d2663C0091e4f400237545B87B996B", "0xe2222d279d744050d28e00520010520000310F59",
            "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa", "0x006F54F7f9A22e0000CC2AB60031000000ae9fEF",
            "0x1000008dD9001B968442c1000017eaE6E0dA00Ba", "0x200000900045e3B6259600682756002200028933",
            "0x30000034706C7d8e12009DAB006Be20000c031A8", "0xa1200000d0002264C9a1698e001292D00E1b00af",
            "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB", "0xAdA100Db00Ca00073811820692005400218FcE1f",
            "0xadA2005600Dec949baf300f4C6120000bDB6eAab", "0x00000000000Fb5C9ADea0298D729A0CB3823Cc07",
            "0x4D97DCd97eC945f40cF65F87097ACe5EA0476045", "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174",
        ].map { Address($0)! })

    /// The collateral tokens whose transfers fund a wallet on the chain: pUSD and USDC.e.
    public static let tokens: Set<Address> = [
        Address("0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB")!, Address("0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174")!,
    ]

    /// The rules with the default exclusions plus `extra`; `tokens` empty reads every token of the evidence (a
    /// transfers file names its own).
    public static func rules(
        extraExcluded extra: Set<Address> = [], tokens: Set<Address> = [], depth: Int = FundingRules().depth
    ) -> FundingRules {
        var r = FundingRules()
        r.excluded = excluded.union(extra)
        r.tokens = tokens
        r.depth = depth
        return r
    }
}
