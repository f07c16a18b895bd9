import Foundation
import Hummingbird
import Logging

/// A configured (or model-given) limit a request can break; its name is the config key the
/// error body's `limit` field carries, and it decides the status.
public enum APILimit: String, CaseIterable, Sendable {
    case maxBodyBytes = "max_body_bytes"
    case maxTextsPerRequest = "max_texts_per_request"
    case maxCharsPerText = "max_chars_per_text"
    /// The model's maximum length in tokens, when `truncate` is false.
    case maxLength = "max_length"
    case requestTimeoutMs = "request_timeout_ms"
    /// Texts to explain in one request (`explain: true`).
    case maxExplainTexts = "max_explain_texts"
    /// A request's sequences (windows of long texts) beyond what the model's queue can ever hold.
    case maxQueueTexts = "max_queue_texts"

    public var status: HTTPResponse.Status {
        switch self {
        case .maxBodyBytes, .maxTextsPerRequest, .maxExplainTexts, .maxQueueTexts: .contentTooLarge
        case .maxCharsPerText, .maxLength: .unprocessableContent
        case .requestTimeoutMs: .gatewayTimeout
        }
    }

    /// When the limit is broken, for the document.
    var meaning: String {
        switch self {
        case .maxBodyBytes: "the body is larger than limits.max_body_bytes"
        case .maxTextsPerRequest: "more texts than limits.max_texts_per_request"
        case .maxCharsPerText: "a text is longer than limits.max_chars_per_text (Unicode scalars)"
        case .maxLength: "truncate is false and a text is longer than the model's max length in tokens"
        case .requestTimeoutMs: "inference took longer than limits.request_timeout_ms and the model has no fallback rules, or its explanations did"
        case .maxExplainTexts: "explain is true and there are more texts than limits.max_explain_texts"
        case .maxQueueTexts: "the request's sequences (texts, or their windows) are more than batching.max_queue_texts"
        }
    }
}

/// Every error the API can answer with. The case decides the wire `code`, the status and the
/// headers, so no two places can disagree, and the OpenAPI document is generated from it.
public enum APIErrorCode: Hashable, Sendable, CaseIterable {
    case emptyBody, invalidUTF8, invalidJSON, invalidModelName
    /// A router-level 4xx other than 404 (e.g. a malformed parameter).
    case badRequest
    case unauthorized
    case forbidden
    case modelNotFound
    /// No route for the path (the router's own 404).
    case notFound
    case limitExceeded(APILimit)
    case invalidRequest, unsupportedTask
    case rateLimited
    case internalError, inferenceError
    case overloaded, reloading, modelUnavailable, auditUnavailable

    /// Every code, limits spelled out, in status order (the order the document lists them in).
    public static let allCases: [APIErrorCode] =
        [.emptyBody, .invalidUTF8, .invalidJSON, .invalidModelName, .badRequest, .unauthorized, .forbidden,
         .modelNotFound, .notFound]
        + APILimit.allCases.map(APIErrorCode.limitExceeded)
        + [.invalidRequest, .unsupportedTask, .rateLimited, .internalError, .inferenceError,
           .overloaded, .reloading, .modelUnavailable, .auditUnavailable]

    /// The `code` field on the wire.
    public var name: String {
        switch self {
        case .emptyBody: "empty_body"
        case .invalidUTF8: "invalid_utf8"
        case .invalidJSON: "invalid_json"
        case .invalidModelName: "invalid_model_name"
        case .badRequest: "bad_request"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .modelNotFound: "model_not_found"
        case .notFound: "not_found"
        case .limitExceeded: "limit_exceeded"
        case .invalidRequest: "invalid_request"
        case .unsupportedTask: "unsupported_task"
        case .rateLimited: "rate_limited"
        case .internalError: "internal_error"
        case .inferenceError: "inference_error"
        case .overloaded: "overloaded"
        case .reloading: "reloading"
        case .modelUnavailable: "model_unavailable"
        case .auditUnavailable: "audit_unavailable"
        }
    }

    public var status: HTTPResponse.Status {
        switch self {
        case .emptyBody, .invalidUTF8, .invalidJSON, .invalidModelName, .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .modelNotFound, .notFound: .notFound
        case .limitExceeded(let limit): limit.status
        case .invalidRequest, .unsupportedTask: .unprocessableContent
        case .rateLimited: .tooManyRequests
        case .internalError, .inferenceError: .internalServerError
        case .overloaded, .reloading, .modelUnavailable, .auditUnavailable: .serviceUnavailable
        }
    }

    /// The limit named in the body, for `limit_exceeded`.
    public var limit: APILimit? {
        if case .limitExceeded(let limit) = self { return limit }
        return nil
    }

    /// Transient refusals tell the client when to come back; the others would fail again.
    public var sendsRetryAfter: Bool {
        switch self {
        case .rateLimited, .overloaded, .reloading: true
        default: false
        }
    }

    public var sendsWWWAuthenticate: Bool { self == .unauthorized }

    /// One line for the document: when the server answers with this code.
    var meaning: String {
        switch self {
        case .emptyBody: "the body is empty or only whitespace"
        case .invalidUTF8: "the body is not valid UTF-8"
        case .invalidJSON: "the body is not JSON, or not a JSON object"
        case .invalidModelName: "the model name in the path is malformed"
        case .badRequest: "the request is malformed"
        case .unauthorized: "no credentials, or an unknown key or invalid token"
        case .forbidden: "the caller may not use this model"
        case .modelNotFound: "no model has this name"
        case .notFound: "no such route"
        case .limitExceeded(let limit): limit.meaning
        case .invalidRequest: "a field has the wrong type or value, is unknown or missing (the message names it)"
        case .unsupportedTask: "the model's task has no such endpoint or option (e.g. classify on an embedding model, entities on a text classifier)"
        case .rateLimited: "the caller is over its rate"
        case .internalError: "the server failed (e.g. a response could not be encoded)"
        case .inferenceError: "the model raised an error and has no fallback rules"
        case .overloaded: "the model's queue is full"
        case .reloading: "the model is being reloaded"
        case .modelUnavailable: "the model failed to load and has no fallback rules"
        case .auditUnavailable: "the audit log could not record the request, so no answer is given"
        }
    }
}

/// Every error the API returns has one JSON shape:
/// `{"error": {"code": "...", "message": "...", "limit": "...", "request_id": "..."}}`
/// where `limit` names the configured limit a request broke, when it broke one.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public var code: APIErrorCode
    public var message: String
    /// Seconds for `Retry-After`, for the codes that send it (at least 1).
    public var retryAfter: Int
    /// Extra headers (e.g. a router error's own).
    public var headers: HTTPFields

    public init(_ code: APIErrorCode, _ message: String, retryAfter: Int = 1, headers: HTTPFields = [:]) {
        self.code = code
        self.message = message
        self.retryAfter = max(1, retryAfter)
        self.headers = headers
    }

    public var status: HTTPResponse.Status { code.status }
    public var limit: APILimit? { code.limit }
    public var description: String { "\(status.code) \(code.name): \(message)" }

    struct Body: Encodable {
        struct Inner: Encodable {
            var code: String
            var message: String
            var limit: String?
            var requestID: String?
            enum CodingKeys: String, CodingKey, CaseIterable { case code, message, limit, requestID = "request_id" }
        }
        var error: Inner
        enum CodingKeys: String, CodingKey, CaseIterable { case error }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: (context as? SiftRequestContext)?.requestID)
    }

    func response(requestID: String?) -> Response {
        let body = Body(error: .init(code: code.name, message: message, limit: limit?.rawValue, requestID: requestID))
        var response: Response
        if let data = try? JSONBody.encoder.encode(body) {
            response = JSONBody.response(status, data: data)
        } else {
            // Only strings: cannot fail; the request id is plain ASCII (see `requestID(from:)`).
            response = JSONBody.response(.internalServerError, data: Data(
                #"{"error":{"code":"internal_error","message":"internal error","request_id":"\#(requestID ?? "")"}}"#.utf8))
        }
        if code.sendsRetryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if code.sendsWWWAuthenticate { response.headers[.wwwAuthenticate] = #"Bearer realm="sift""# }
        response.headers.append(contentsOf: headers)
        return response
    }

    // MARK: Common errors

    static func limit(_ limit: APILimit, _ message: String) -> APIError {
        APIError(.limitExceeded(limit), message)
    }

    static func invalid(_ message: String) -> APIError {
        APIError(.invalidRequest, message)
    }
}

/// JSON responses with sorted keys, so bodies are stable for clients, tests and diffs.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Encodes `value`; a value that cannot be encoded (e.g. a non-finite score) is an
    /// `internal_error`, which the observation middleware logs and answers as a 500 carrying
    /// the request id. Never a partial or empty body.
    static func response(_ status: HTTPResponse.Status = .ok, _ value: some Encodable) throws -> Response {
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw APIError(.internalError, "the response could not be encoded: \(error)")
        }
        return response(status, data: data)
    }

    static func response(_ status: HTTPResponse.Status, data: Data) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

// MARK: Schemas

extension APIErrorCode {
    /// The distinct wire codes (every limit shares `limit_exceeded`).
    static func names(_ codes: [APIErrorCode]) -> [String] {
        var seen = Set<String>()
        return codes.map(\.name).filter { seen.insert($0).inserted }
    }
}

extension APIError.Body: APIObject {
    static let schemaName = "Error"
    static let fields: [SchemaField<CodingKeys>] = [.required(.error, .ref(Inner.self))]

    /// The body as one response documents it: only the codes (and limits) that response can carry.
    static func schema(for codes: [APIErrorCode]) -> Schema {
        .object([SchemaField<CodingKeys>.required(.error, Inner.schema(for: codes))])
    }
}

extension APIError.Body.Inner: APIObject {
    static let schemaName = "ErrorDetail"
    static var fields: [SchemaField<CodingKeys>] { fields(for: APIErrorCode.allCases) }

    static func fields(for codes: [APIErrorCode]) -> [SchemaField<CodingKeys>] {
        let limits = codes.compactMap(\.limit).map(\.rawValue)
        return [
            .required(.code, .enumeration(APIErrorCode.names(codes))),
            .required(.message, Schema.string.described("What went wrong, naming the field or limit")),
            .optional(.limit, (limits.isEmpty ? Schema.string : .enumeration(limits))
                .described("The limit broken, with code limit_exceeded")),
            .optional(.requestID, Schema.string.described("The request's id, as in the X-Request-ID header")),
        ]
    }

    static func schema(for codes: [APIErrorCode]) -> Schema { .object(fields(for: codes)) }
}
