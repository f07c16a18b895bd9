import Foundation
import Hummingbird

/// Every error the API returns has one JSON shape:
/// `{"error": {"code": "...", "message": "...", "limit": "...", "request_id": "..."}}`
/// where `limit` names the configured limit a request broke, when it broke one.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var limit: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, limit: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.limit = limit
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    struct Body: Encodable {
        struct Inner: Encodable {
            var code: String
            var message: String
            var limit: String?
            var requestID: String?
            enum CodingKeys: String, CodingKey { case code, message, limit, requestID = "request_id" }
        }
        var error: Inner
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let rid = (context as? SiftRequestContext)?.requestID
        var response = JSONBody.response(status, Body(error: .init(code: code, message: message, limit: limit, requestID: rid)))
        response.headers.append(contentsOf: headers)
        return response
    }

    // MARK: Common errors

    static func limit(_ status: HTTPResponse.Status, _ limit: String, _ message: String) -> APIError {
        APIError(status, code: "limit_exceeded", message, limit: limit)
    }

    static func invalid(_ message: String) -> APIError {
        APIError(.unprocessableContent, code: "invalid_request", message)
    }

    static func retryLater(_ code: String, _ message: String, after seconds: Int) -> APIError {
        var h = HTTPFields()
        h[.retryAfter] = String(max(1, seconds))
        return APIError(status(code), code: code, message, headers: h)
    }

    private static func status(_ code: String) -> HTTPResponse.Status {
        code == "rate_limited" ? .tooManyRequests : .serviceUnavailable
    }
}

/// JSON responses with sorted keys, so bodies are stable for clients, tests and diffs.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func response(_ status: HTTPResponse.Status = .ok, _ value: some Encodable) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
