import Foundation
import Hummingbird
import NIOCore
import PolybotCore
import PolybotStore

extension Request {
    /// A query integer in a range (default when absent); 400 naming the parameter otherwise.
    func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = uri.queryParameters.get(name) else { return value }
        guard let v = Int(text), range.contains(v) else {
            throw APIError.badRequest(
                "\(name) must be a whole number in \(range.lowerBound)…\(range.upperBound), not \"\(text)\"")
        }
        return v
    }

    /// An optional query Int64 (a `before` cursor).
    func cursor(_ name: String = "before") throws -> Int64? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let v = Int64(text), v > 0 else {
            throw APIError.badRequest("\(name) must be a positive id, not \"\(text)\"")
        }
        return v
    }

    /// An optional query address.
    func address(_ name: String) throws -> Address? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let a = Address(text.lowercased()) else {
            throw APIError.badRequest("\(name) must be a 0x-prefixed 20-byte address")
        }
        return a
    }

    /// Decodes a JSON body; 400 with the decoder's reason when it does not fit.
    func json<T: Decodable>(_ type: T.Type, context: some RequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge("body larger than \(context.maxUploadSize) bytes")
        }
        let bytes = Data(buffer.readableBytesView)
        // PostgreSQL text cannot hold NUL, and no name, note or reason needs one: refuse it here, not as a 500 later.
        if bytes.contains(0) || bytes.range(of: Data(#"\u0000"#.utf8)) != nil {
            throw APIError.badRequest("malformed body: NUL character in a string")
        }
        do {
            return try JSONDecoder().decode(type, from: bytes)
        } catch let e as DecodingError {
            throw APIError.badRequest("malformed body: \(Self.describe(e))")
        } catch {
            throw APIError.badRequest("malformed body: \(error)")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case .keyNotFound(let k, _): "missing field \(k.stringValue)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted(let c): c.debugDescription
        @unknown default: "\(e)"
        }
    }
}

extension Parameters {
    /// A path address; 400 otherwise.
    func address(_ name: String) throws -> Address {
        guard let text = get(name), let a = Address(text.lowercased()) else {
            throw APIError.badRequest("\(name) must be a 0x-prefixed 20-byte address")
        }
        return a
    }

    /// A path id; 400 otherwise.
    func id(_ name: String = "id") throws -> Int64 {
        guard let text = get(name), let v = Int64(text), v > 0 else {
            throw APIError.badRequest("\(name) must be a positive id")
        }
        return v
    }
}

/// A JSON response.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    jsonResponse(body: ByteBuffer(bytes: try jsonBytes(value)), status: status)
}

/// The JSON every response writes: keys sorted.
func jsonBytes(_ value: some Encodable) throws -> Data {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    return try e.encode(value)
}

/// A response whose body is JSON already written.
func jsonResponse(body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    headers[.cacheControl] = "no-store"
    return Response(status: status, headers: headers, body: .init(byteBuffer: body))
}
