import PolybotCore

/// The CLOB's compact market record, `GET /clob-markets/{condition_id}` (what the official client reads for tick size,
/// neg-risk flag and fees): `{"t":[{"t":token,"o":outcome}],"mts":0.01,"nr":false,"fd":{"r":0.04,"e":1}}`.
///
/// Fees: no `fd` means none (the official client then charges rate 0); an `fd` whose rate or exponent we cannot
/// compute exactly is `uncomputable`, never a guess.
public struct ClobMarketInfo: Decodable, Sendable, Equatable {
    /// Token ids, in outcome order.
    public var tokens: [String]
    public var tickSize: TickSize?
    public var negRisk: Bool
    public var fees: MarketFees

    enum CodingKeys: String, CodingKey { case t, mts, nr, fd }
    private struct Token: Decodable { var t: LenientDecimal? }
    private struct Fees: Decodable {
        var r: LenientDecimal?
        var e: LenientDecimal?
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = (c.lenient([Token].self, .t) ?? []).compactMap { $0.t?.text }
        guard !tokens.isEmpty else {
            throw DecodingError.keyNotFound(CodingKeys.t, .init(codingPath: c.codingPath, debugDescription: "tokens"))
        }
        tickSize = c.lenient(LenientDecimal.self, .mts).flatMap {
            TickSize(decimal: $0.text) ?? $0.micros.flatMap { m in TickSize.allCases.first { $0.micros == m.raw } }
        }
        negRisk = c.lenient(LenientBool.self, .nr)?.value ?? false
        let present = c.contains(.fd) && (try? c.decodeNil(forKey: .fd)) == false
        if let fd = c.lenient(Fees.self, .fd) {
            fees = MarketFees.read(
                enabled: nil, type: nil, schedule: .init(rate: fd.r, exponent: fd.e, takerOnly: nil, rebateRate: nil),
                schedulePresent: true)
        } else {
            fees = present ? .uncomputable("fd unreadable") : .free
        }
    }
}
