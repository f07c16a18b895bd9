import Foundation
import HTTPTypes

/// One operation of the API as the document describes it: its success bodies come from the API
/// types, its error responses from `APIErrorCode`, so every code and status the server emits
/// is documented with the headers that come with it.
struct APIOperation: Sendable {
    enum Method: String, Sendable { case get, post }

    struct Success: Sendable {
        var status: HTTPResponse.Status
        var description: String
        var contentType: String = "application/json"
        var schema: Schema?
    }

    var method: Method
    /// OpenAPI template: `/v1/models/{name}/classify`.
    var path: String
    var summary: String
    /// Behind the auth middleware: credentials (when configured) and the per-caller rate limit.
    var secured: Bool
    var request: Schema? = nil
    var success: [Success]
    /// The errors of the operation itself; the middlewares' are added by `errors`.
    var ownErrors: [APIErrorCode] = []

    /// Everything the operation can answer with besides success, in the order documented.
    var errors: [APIErrorCode] {
        ownErrors + (secured ? [.unauthorized, .rateLimited] : []) + [.internalError]
    }
}

/// The OpenAPI 3 document served at /openapi.json, generated from the API types and the error
/// codes. docs/openapi.json is this text, committed; `OpenAPITests` fail when they differ
/// (`SIFT_WRITE_OPENAPI=1 swift test --filter OpenAPITests` rewrites it).
enum OpenAPIDocument {
    static let modelRouteErrors: [APIErrorCode] = [
        .invalidModelName, .modelNotFound, .forbidden,
        .limitExceeded(.maxBodyBytes), .emptyBody, .invalidUTF8, .invalidJSON, .invalidRequest,
        .limitExceeded(.maxTextsPerRequest), .limitExceeded(.maxCharsPerText), .limitExceeded(.maxLength),
        .modelUnavailable, .overloaded, .reloading, .limitExceeded(.requestTimeoutMs), .inferenceError,
        .auditUnavailable,
    ]

    static let operations: [APIOperation] = [
        APIOperation(method: .get, path: "/health", summary: "Liveness (never authenticated)", secured: false,
                     success: [.init(status: .ok, description: "Alive", schema: .ref(HealthStatus.self))]),
        APIOperation(method: .get, path: "/", summary: "A page to try a model (static; its calls are authenticated)",
                     secured: false,
                     success: [.init(status: .ok, description: "HTML page", contentType: "text/html", schema: .string)]),
        APIOperation(method: .get, path: "/ready", summary: "Readiness: every configured model loaded", secured: true,
                     success: [.init(status: .ok, description: "Ready", schema: .ref(HealthStatus.self)),
                               .init(status: .serviceUnavailable, description: "Not ready", schema: .ref(HealthStatus.self))]),
        APIOperation(method: .get, path: "/metrics", summary: "Prometheus metrics", secured: true,
                     success: [.init(status: .ok, description: "Prometheus text format", contentType: "text/plain", schema: .string)]),
        APIOperation(method: .get, path: "/openapi.json", summary: "This document", secured: true,
                     success: [.init(status: .ok, description: "OpenAPI 3 document", schema: Schema(type: "object"))]),
        APIOperation(method: .get, path: "/v1/models", summary: "Models the caller may use", secured: true,
                     success: [.init(status: .ok, description: "OK", schema: .ref(ModelListing.self))]),
        APIOperation(method: .post, path: "/v1/models/{name}/classify",
                     summary: "Classify texts (long texts in windows, explanations on request)", secured: true,
                     request: .ref(ClassifyRequest.self),
                     success: [.init(status: .ok, description: "OK", schema: .ref(ClassifyResponse.self))],
                     ownErrors: modelRouteErrors + [.unsupportedTask, .limitExceeded(.maxExplainTexts), .limitExceeded(.maxQueueTexts)]),
        APIOperation(method: .post, path: "/v1/models/{name}/embed", summary: "Sentence embeddings", secured: true,
                     request: .ref(EmbedRequest.self),
                     success: [.init(status: .ok, description: "OK", schema: .ref(EmbedResponse.self))],
                     ownErrors: modelRouteErrors + [.unsupportedTask]),
        APIOperation(method: .post, path: "/v1/models/{name}/zero-shot",
                     summary: "Score texts against labels given in the request (NLI or embedding model)", secured: true,
                     request: .ref(ZeroShotRequest.self),
                     success: [.init(status: .ok, description: "OK", schema: .ref(ZeroShotResponse.self))],
                     ownErrors: modelRouteErrors + [.unsupportedTask]),
        APIOperation(method: .post, path: "/v1/models/{name}/entities",
                     summary: "Entities in texts (a token classifier; the token-classification pipeline's grouping)", secured: true,
                     request: .ref(EntitiesRequest.self),
                     success: [.init(status: .ok, description: "OK", schema: .ref(EntitiesResponse.self))],
                     // No truncate field, so never max_length.
                     ownErrors: modelRouteErrors.filter { $0 != .limitExceeded(.maxLength) }
                        + [.unsupportedTask, .limitExceeded(.maxQueueTexts)]),
    ]

    /// Every body type, each under `#/components/schemas/<schemaName>`.
    static var components: [any APIObject.Type] { [
        ClassifyRequest.self, EmbedRequest.self, ClassifyResponse.self, TextResult.self, EmbedResponse.self,
        ZeroShotRequest.self, ZeroShotResponse.self, ZeroShotTextResult.self,
        LongTextRequest.self, ExplanationResult.self, WordAttribution.self,
        EntitiesRequest.self, EntitiesResponse.self, EntitiesTextResult.self, EntityResult.self,
        ModelListing.self, ModelListing.Entry.self, HealthStatus.self, APIError.Body.self, APIError.Body.Inner.self,
    ] }

    static let modelName = Schema.string(pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,\(ModelName.maxLength - 1)}$")
        .described("A configured model's name (no `..`)")

    static let document: JSONValue = {
        var paths: [String: JSONValue] = [:]
        for op in operations {
            var item = paths[op.path]?.object ?? [:]
            if op.path.contains("{name}") {
                item["parameters"] = .array([.object([
                    "in": "path", "name": "name", "required": .bool(true), "schema": modelName.json,
                ])])
            }
            item[op.method.rawValue] = operation(op)
            paths[op.path] = .object(item)
        }
        return .object([
            "openapi": "3.0.3",
            "info": .object([
                "title": "Sift classification service",
                "version": "1.0.0",
                "description": .string("Batched, authenticated, audited text classification, embeddings, zero-shot and entities over BERT-family models. "
                    + "Every error has the shape of `Error`; the codes by status: "
                    + errorStatuses().map { "\($0.status.code) " + APIErrorCode.names($0.codes).joined(separator: ", ") }
                        .joined(separator: "; ") + "."),
            ]),
            "paths": .object(paths),
            "security": .array([.object(["bearer": .array([])]), .object(["apiKey": .array([])])]),
            "components": .object([
                "schemas": .object(Dictionary(uniqueKeysWithValues: components.map { ($0.schemaName, $0.schema.json) })),
                "headers": .object([
                    "RequestID": header("The request's id: the caller's X-Request-ID when short and plain, else a new one", .string),
                    "RetryAfter": header("Seconds to wait before retrying", .integer(minimum: 1)),
                    "WWWAuthenticate": header("The authentication scheme: Bearer realm=\"sift\"", .string),
                ]),
                "securitySchemes": .object([
                    "apiKey": .object(["in": "header", "name": "X-API-Key", "type": "apiKey"]),
                    "bearer": .object([
                        "description": "An API key, or a JWT (HS256/RS256) with `sub`, `exp` and optional `models` claims.",
                        "scheme": "bearer", "type": "http",
                    ]),
                ]),
            ]),
        ])
    }()

    /// The text of docs/openapi.json: sorted keys, indented, final newline. (Served compact.)
    static func pretty() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    // MARK: Parts

    static func operation(_ op: APIOperation) -> JSONValue {
        var o: [String: JSONValue] = ["summary": .string(op.summary)]
        if !op.secured { o["security"] = .array([]) }
        if let request = op.request {
            o["requestBody"] = .object(["required": .bool(true), "content": content("application/json", request)])
        }
        var responses: [String: JSONValue] = [:]
        for s in op.success {
            var r: [String: JSONValue] = ["description": .string(s.description), "headers": headers(for: [])]
            if let schema = s.schema { r["content"] = content(s.contentType, schema) }
            responses[String(s.status.code)] = .object(r)
        }
        for (status, codes) in grouped(op.errors) {
            precondition(responses[String(status.code)] == nil, "\(op.path): \(status.code) is both a success and an error")
            responses[String(status.code)] = .object([
                "description": .string(codes.map(describe).joined(separator: "; ")),
                "headers": headers(for: codes),
                "content": content("application/json", APIError.Body.schema(for: codes)),
            ])
        }
        o["responses"] = .object(responses)
        return .object(o)
    }

    static func describe(_ code: APIErrorCode) -> String {
        "`\(code.name)`" + (code.limit.map { " (`\($0.rawValue)`)" } ?? "") + ": \(code.meaning)"
    }

    /// Codes by status, statuses ascending, codes in the order given.
    static func grouped(_ codes: [APIErrorCode]) -> [(HTTPResponse.Status, [APIErrorCode])] {
        var byStatus: [Int: [APIErrorCode]] = [:]
        for code in codes where !(byStatus[code.status.code]?.contains(code) ?? false) {
            byStatus[code.status.code, default: []].append(code)
        }
        return byStatus.keys.sorted().map { (HTTPResponse.Status(code: $0), byStatus[$0] ?? []) }
    }

    /// Every code the server can answer with, by status (router-level ones included).
    static func errorStatuses() -> [(status: HTTPResponse.Status, codes: [APIErrorCode])] {
        grouped(APIErrorCode.allCases).map { (status: $0.0, codes: $0.1) }
    }

    static func headers(for codes: [APIErrorCode]) -> JSONValue {
        var h: [String: JSONValue] = ["X-Request-ID": .object(["$ref": "#/components/headers/RequestID"])]
        if codes.contains(where: \.sendsRetryAfter) { h["Retry-After"] = .object(["$ref": "#/components/headers/RetryAfter"]) }
        if codes.contains(where: \.sendsWWWAuthenticate) {
            h["WWW-Authenticate"] = .object(["$ref": "#/components/headers/WWWAuthenticate"])
        }
        return .object(h)
    }

    static func header(_ description: String, _ schema: Schema) -> JSONValue {
        .object(["description": .string(description), "schema": schema.json])
    }

    static func content(_ type: String, _ schema: Schema) -> JSONValue {
        .object([type: .object(["schema": schema.json])])
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    init(stringLiteral value: String) { self = .string(value) }
}
