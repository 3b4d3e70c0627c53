public import Foundation
public import Hummingbird
import NIOCore
import NIOFoundationCompat
import SwitchboardModels

/// Request and response bodies in the contract's JSON conventions.
public enum JSONBody {
    /// Decodes a request body (at most `limit` bytes); malformed JSON → 400 with the reason,
    /// a string holding U+0000 → 422 `invalid_character` naming the field.
    public static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 1 << 20) async throws(APIError) -> T {
        let data = try await self.data(from: request, limit: limit)
        do {
            return try SwitchboardJSON.decoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw .badRequest("Body is not valid JSON for this operation: \(DecodingErrorText.describe(error))")
        } catch {
            throw .badRequest("Body is not valid JSON.")
        }
    }

    /// The bytes of a JSON request body (at most `limit`) for routes that parse it
    /// themselves (merge patches), with the same NUL check as ``decode(_:from:limit:)``.
    public static func data(from request: Request, limit: Int = 1 << 20) async throws(APIError) -> Data {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(status: .contentTooLarge, code: "body_too_large", title: "Body too large", detail: "At most \(limit) bytes.")
        }
        let data = Data(buffer: buffer)
        if let field = NULCharacter.fieldPath(inJSON: data) { throw .nulCharacter(in: field) }
        return data
    }

    /// A JSON response.
    public static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try SwitchboardJSON.encoder().encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
