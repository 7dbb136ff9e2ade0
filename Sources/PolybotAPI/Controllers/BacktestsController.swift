import Foundation
import Hummingbird
import NIOCore
import PolybotCore
import PolybotStore

/// What a backtest started from the API runs with (the CLI's options; absent: the CLI's defaults).
package struct BacktestRequest: Codable, Sendable {
    /// Rescoring interval on market time: `1d`, `12h`, `30m`…
    package var rescoreEvery: String?
    /// `top:N` or `markout:N`.
    package var basket: String?
    package var minMembers: Int?
    /// Whale notional threshold, USDC.
    package var minNotional: String?
    /// `2026`, `none` or `RATE:EXPONENT`.
    package var fees: String?
    /// Run the baselines (default true).
    package var baselines: Bool?

    /// Creates a request.
    package init(
        rescoreEvery: String? = nil, basket: String? = nil, minMembers: Int? = nil, minNotional: String? = nil,
        fees: String? = nil, baselines: Bool? = nil
    ) {
        self.rescoreEvery = rescoreEvery
        self.basket = basket
        self.minMembers = minMembers
        self.minNotional = minNotional
        self.fees = fees
        self.baselines = baselines
    }
}

/// The backtest runner's port (implemented by the composition root, which knows how a backtest runs).
package struct BacktestControl: Sendable {
    /// Validates, records and starts a backtest on the stored history; returns its run id at once.
    package var start: @Sendable (_ request: BacktestRequest, _ actor: String) async throws -> Int64

    /// Creates the port.
    package init(start: @escaping @Sendable (_ request: BacktestRequest, _ actor: String) async throws -> Int64) {
        self.start = start
    }
}

/// A backtest the runner refused, with why (400), or one already running (409).
package enum BacktestRefused: Error, CustomStringConvertible {
    case invalid(String)
    case busy(String)

    package var description: String {
        switch self {
        case .invalid(let m), .busy(let m): m
        }
    }
}

/// `GET /api/v1/backtests`, `GET /api/v1/backtests/{id}` (with the report), `POST /api/v1/backtests` (audited).
struct BacktestsController {
    let env: APIEnvironment

    struct RunDTO: Encodable, Sendable {
        var id: Int64
        var startedAt: Int64
        var finishedAt: Int64?
        var status: String
        var source: String
        var startedBy: String
        var verdict: String?
        var edgeSignificant: Bool?
        var error: String?

        init(_ r: BacktestRun) {
            id = r.id
            startedAt = r.startedAt
            finishedAt = r.finishedAt
            status = r.status
            source = r.source
            startedBy = r.startedBy
            verdict = r.verdict
            edgeSignificant = r.edgeSignificant
            error = r.error
        }
    }

    func addRoutes(to router: Router<APIContext>) {
        router.get("/api/v1/backtests") { request, _ -> Response in
            let limit = try request.int("limit", default: 20, in: 1...200)
            return try jsonResponse(
                Page(items: try await env.store.backtests.list(limit: limit).map(RunDTO.init), next: nil))
        }
        router.get("/api/v1/backtests/:id") { _, context -> Response in
            let id = try context.parameters.id()
            guard let run = try await env.store.backtests.get(id: id) else {
                throw APIError.notFound("no backtest \(id)")
            }
            // The run as JSON with its stored params and report spliced in verbatim (both are JSON the database checked).
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            var body = String(decoding: try e.encode(RunDTO(run)), as: UTF8.self)
            body.removeLast()
            body += ",\"params\":\(run.params),\"report\":\(run.report ?? "null")}"
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.post("/api/v1/backtests") { request, context -> Response in
            guard let control = env.backtests else {
                throw APIError.unavailable("this daemon cannot run backtests")
            }
            let body = try await request.json(BacktestRequest.self, context: context)
            let actor = context.role?.rawValue ?? "operator"
            let id: Int64
            do {
                id = try await control.start(body, actor)
            } catch let e as BacktestRefused {
                switch e {
                case .invalid(let m): throw APIError.badRequest(m)
                case .busy(let m): throw APIError.conflict(m)
                }
            }
            try await env.audit(context.role, "backtest.start", "\(id)")
            guard let run = try await env.store.backtests.get(id: id) else {
                throw APIError.notFound("no backtest \(id)")
            }
            return try jsonResponse(RunDTO(run), status: .accepted)
        }
    }
}
