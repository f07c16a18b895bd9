import Foundation
import Hummingbird
import HummingbirdTesting
import SiftInference
import SiftTestSupport
import Testing
@testable import SiftServer

/// The document is generated from the API types and error codes: these tests hold the committed
/// copy, the types' coding keys and the server's real answers to it.
@Suite struct OpenAPITests {
    static let repoCopy = TestPaths.repoRoot.appendingPathComponent("docs/openapi.json")

    @Test func repoCopyIsTheGeneratedDocument() throws {
        let generated = try OpenAPIDocument.pretty()
        if ProcessInfo.processInfo.environment["SIFT_WRITE_OPENAPI"] == "1" {
            try generated.write(to: Self.repoCopy, atomically: true, encoding: .utf8)
        }
        let repo = try String(contentsOf: Self.repoCopy, encoding: .utf8)
        #expect(repo == generated, """
            docs/openapi.json is not the document the server generates; regenerate it with
            SIFT_WRITE_OPENAPI=1 swift test --skip-build --filter OpenAPITests
            """)
    }

    @Test func servedDocumentIsTheGeneratedOne() async throws {
        let app = try await makeApp()
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            let served = try JSONDecoder().decode(JSONValue.self, from: Data(r.body.readableBytesView))
            #expect(served == OpenAPIDocument.document)
            #expect(served["openapi"] == "3.0.3")
        }
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() async throws {
        let app = try await makeApp()
        let documented = Set(OpenAPIDocument.operations.map { "\($0.method.rawValue.uppercased()) \($0.path)" })
        #expect(Set(app.routes) == documented, "router: \(app.routes.sorted())")
    }

    @Test func everyErrorCodeIsDocumented() throws {
        let onRoutes = Set(OpenAPIDocument.operations.flatMap(\.errors))
        // Only the router's own answers (unknown path, bad parameter) belong to no operation.
        #expect(Set(APIErrorCode.allCases).subtracting(onRoutes) == [.notFound, .badRequest])
        #expect(Set(APIErrorCode.allCases.map(\.name)).count == APIErrorCode.allCases.count - APILimit.allCases.count + 1)
        let errorCodes = try #require(OpenAPIDocument.document["components"]?["schemas"]?["ErrorDetail"]?["properties"]?["code"]?["enum"])
        #expect(errorCodes == .array(APIErrorCode.names(APIErrorCode.allCases).map(JSONValue.string)))
        // Every rate-limited route documents 429 with Retry-After; 401 with WWW-Authenticate.
        let paths = try #require(OpenAPIDocument.document["paths"])
        for op in OpenAPIDocument.operations where op.secured {
            let responses = paths[op.path]?[op.method.rawValue]?["responses"]
            #expect(responses?["429"]?["headers"]?["Retry-After"] != nil, "\(op.path)")
            #expect(responses?["401"]?["headers"]?["WWW-Authenticate"] != nil, "\(op.path)")
            #expect(responses?["500"] != nil, "\(op.path)")
        }
        for op in OpenAPIDocument.operations where op.path.hasPrefix("/v1/models/") {
            let d503 = paths[op.path]?[op.method.rawValue]?["responses"]?["503"]
            #expect(d503?["headers"]?["Retry-After"] != nil)
            let codes = d503?["content"]?["application/json"]?["schema"]?["properties"]?["error"]?["properties"]?["code"]?["enum"]?.array ?? []
            for name in ["overloaded", "reloading", "model_unavailable", "audit_unavailable"] {
                #expect(codes.contains(.string(name)), "\(op.path): \(name)")
            }
        }
    }

    // MARK: Types and schemas agree

    @Test func schemasListExactlyTheCodingKeys() {
        var names: Set<String> = []
        for type in OpenAPIDocument.components {
            let problems = keyProblems(type)
            #expect(problems.isEmpty, "\(problems)")
            names.insert(schemaName(type))
        }
        #expect(names.count == OpenAPIDocument.components.count)
    }

    /// Encoding a value with every optional nil gives the required keys; with every field set, all.
    @Test func responseSchemasRequireExactlyTheNonOptionalFields() throws {
        func check<T: APIObject & Encodable>(_: T.Type, minimal: T, full: T) throws {
            let required = Set(T.schema.required ?? [])
            #expect(try encodedKeys(minimal) == required, "\(T.schemaName): required")
            #expect(try encodedKeys(full) == Set(T.CodingKeys.allCases.map(\.stringValue)), "\(T.schemaName): all fields")
        }
        let minimalResult = TextResult(answeredBy: .rules)
        let word = WordAttribution(word: "w", start: 0, end: 1, attribution: 0.5)
        let minimalExplanation = ExplanationResult(method: .occlusion, attribute: .probability, label: "a", score: 0.5,
                                                   convergenceDelta: nil, words: [])
        let fullExplanation = ExplanationResult(method: .integratedGradients, attribute: .probability, label: "a", score: 0.5,
                                                convergenceDelta: 0.01, words: [word])
        let fullResult = TextResult(label: "a", score: 0.5, labels: ["a"], scores: ["a": 0.5], logits: ["a": 1], answeredBy: .model, rule: 0,
                                    explanation: fullExplanation)
        try check(TextResult.self, minimal: minimalResult, full: fullResult)
        try check(ExplanationResult.self, minimal: minimalExplanation, full: fullExplanation)
        try check(WordAttribution.self, minimal: word, full: word)
        // An entity carries entity_group, or (aggregation none) entity and index: never all three.
        let required = Set(EntityResult.schema.required ?? [])
        let group = EntityResult(entity: Entity(label: "PER", score: 0.9, word: "anna", start: 0, end: 4))
        let token = EntityResult(entity: Entity(label: "B-PER", score: 0.9, word: "anna", start: 0, end: 4, index: 1))
        #expect(try encodedKeys(group) == required.union(["entity_group"]))
        #expect(try encodedKeys(token) == required.union(["entity", "index"]))
        #expect(required.union(["entity_group", "entity", "index"]) == Set(EntityResult.CodingKeys.allCases.map(\.stringValue)))
        let entities = EntitiesResponse(model: "m", version: "1", requestID: "r", results: [])
        try check(EntitiesResponse.self, minimal: entities, full: entities)
        try check(EntitiesTextResult.self, minimal: .init(entities: []), full: .init(entities: [group]))
        let response = ClassifyResponse(model: "m", version: "1", requestID: "r", results: [])
        try check(ClassifyResponse.self, minimal: response, full: response)
        let embed = EmbedResponse(model: "m", version: "1", requestID: "r", dimensions: 0, embeddings: [])
        try check(EmbedResponse.self, minimal: embed, full: embed)
        try check(ModelListing.self, minimal: .init(models: []), full: .init(models: []))
        try check(ModelListing.Entry.self,
                  minimal: .init(name: "m", version: "1", state: .failed, fallbackRules: 0),
                  full: .init(name: "m", version: "1", state: .loaded, task: .regression, labels: [], maxLength: 8,
                              fallbackRules: 1, error: "x"))
        try check(HealthStatus.self, minimal: .init(status: .ok), full: .init(status: .ready, models: ["m": .loaded]))
        let inner = APIError.Body.Inner(code: "c", message: "m", limit: nil, requestID: nil)
        try check(APIError.Body.Inner.self, minimal: inner,
                  full: .init(code: "c", message: "m", limit: "max_length", requestID: "r"))
        try check(APIError.Body.self, minimal: .init(error: inner), full: .init(error: inner))
    }

    /// A request with only the required keys decodes; without any one of them it does not;
    /// every documented key is accepted.
    @Test func requestSchemasRequireExactlyWhatTheDecoderNeeds() throws {
        func check<T: APIObject & Decodable>(_: T.Type, full: [String: Any]) throws {
            #expect(Set(full.keys) == Set(T.CodingKeys.allCases.map(\.stringValue)))
            let required = T.schema.required ?? []
            _ = try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: full))
            let minimal = full.filter { required.contains($0.key) }
            _ = try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: minimal))
            for key in required {
                var missing = minimal
                missing[key] = nil
                #expect(throws: DecodingError.self, "\(T.schemaName) without \(key)") {
                    try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: missing))
                }
            }
        }
        let longText: [String: Any] = ["mode": "window", "stride": 8, "aggregation": "max", "max_windows": 4]
        try check(ClassifyRequest.self, full: ["texts": ["a"], "top_k": 1, "threshold": 0.5, "raw_scores": true, "truncate": false,
                                               "long_text": longText, "explain": true, "explain_method": "occlusion", "explain_steps": 10])
        try check(LongTextRequest.self, full: longText)
        try check(EmbedRequest.self, full: ["texts": "a", "truncate": false])
        try check(EntitiesRequest.self, full: ["texts": "a", "aggregation": "none", "stride": 8, "ignore_labels": ["O"]])
    }

    /// Bodies the request schema refuses are refused by the server, and the reverse.
    @Test func requestSchemaAndServerAgree() async throws {
        let app = try await makeApp()
        let schema = try #require(OpenAPIDocument.document["components"]?["schemas"]?["ClassifyRequest"])
        let bodies = [
            #"{"texts": "a"}"#, #"{"texts": ["a", "b"], "top_k": 2, "threshold": 0.2}"#, #"{"texts": "a", "raw_scores": true, "truncate": false}"#,
            #"{"texts": []}"#, #"{"texts": 5}"#, #"{"texts": [1]}"#, #"{"text": "a"}"#, #"{}"#, #"{"texts": "a", "top_k": 0}"#,
            #"{"texts": "a", "top_k": "2"}"#, #"{"texts": "a", "threshold": 1.5}"#, #"{"texts": "a", "threshold": -0.1}"#,
            #"{"texts": "a", "truncate": "no"}"#, #"{"texts": "a", "extra": 1}"#,
        ]
        try await app.app.test(.router) { client async throws in
            for body in bodies {
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
                let problems = SchemaCheck(document: OpenAPIDocument.document).problems(value, schema)
                let r = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(body))
                #expect(problems.isEmpty == (r.status == .ok), "\(body): schema \(problems), server \(r.status)")
            }
        }
    }

    // MARK: Real answers validate against the document

    @Test func schemaCheckFindsWhatDoesNotMatch() throws {
        let check = SchemaCheck(document: OpenAPIDocument.document)
        let result = try #require(OpenAPIDocument.document["components"]?["schemas"]?["TextResult"])
        let decode = { (s: String) in try JSONDecoder().decode(JSONValue.self, from: Data(s.utf8)) }
        #expect(check.problems(try decode(#"{"answered_by": "rules", "label": "x", "scores": {"x": 0.5}}"#), result).isEmpty)
        #expect(check.problems(try decode(#"{"label": "x"}"#), result) == ["$: missing 'answered_by'"])
        #expect(check.problems(try decode(#"{"answered_by": "human"}"#), result).count == 1)
        #expect(check.problems(try decode(#"{"answered_by": "model", "scores": {"x": "high"}}"#), result).count == 1)
        #expect(check.problems(try decode(#"{"answered_by": "model", "rule": 1.5}"#), result).count == 1)
        let request = try #require(OpenAPIDocument.document["components"]?["schemas"]?["ClassifyRequest"])
        #expect(check.problems(try decode(#"{"texts": "a", "tpo_k": 1}"#), request) == ["$: unexpected 'tpo_k'"])
    }

    struct Exchange: Sendable {
        var operation: String   // "post /v1/models/{name}/classify"
        var response: TestResponse
    }

    func check(_ exchanges: [Exchange]) throws {
        let checker = SchemaCheck(document: OpenAPIDocument.document)
        for x in exchanges {
            let parts = x.operation.split(separator: " ").map(String.init)
            let status = String(x.response.status.code)
            let documented = OpenAPIDocument.document["paths"]?[parts[1]]?[parts[0]]?["responses"]?[status]
            let shown = "\(x.operation) \(status) \(String(decoding: x.response.body.readableBytesView, as: UTF8.self).prefix(300))"
            guard let documented else {
                Issue.record("undocumented status: \(shown)")
                continue
            }
            let schema = try #require(documented["content"]?["application/json"]?["schema"], "\(shown)")
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(x.response.body.readableBytesView))
            let problems = checker.problems(body, schema)
            #expect(problems.isEmpty, "\(shown): \(problems)")
            #expect(x.response.headers[.init("X-Request-ID")!] != nil, "\(shown)")
            if let name = body["error"]?["code"]?.string,
               APIErrorCode.allCases.contains(where: { $0.name == name && $0.sendsRetryAfter }) {
                #expect(documented["headers"]?["Retry-After"] != nil, "\(shown): Retry-After undocumented")
                #expect(Int(x.response.headers[.retryAfter] ?? "") ?? 0 >= 1, "\(shown): Retry-After")
            }
            if status == "401" { #expect(x.response.headers[.wwwAuthenticate] != nil, "\(shown)") }
        }
    }

    static let classify = "post /v1/models/{name}/classify"
    static let embed = "post /v1/models/{name}/embed"

    @Test func answersValidateAgainstTheDocument() async throws {
        let app = try await makeApp(
            models: ["retail": FakeModel(), "vectors": FakeModel(task: .embedding), "bad": FakeModel(failing: true),
                     "slow": FakeModel(delay: .milliseconds(300))],
            configure: {
                $0.models["broken"] = ModelSpec(path: "missing")
                $0.models["ruled"] = ModelSpec(path: "missing", fallback: RuleSetSpec(rules: [RuleSpec(label: "x", keywords: ["a"])]))
                $0.limits.maxBodyBytes = 2000
                $0.limits.maxTextsPerRequest = 3
                $0.limits.maxCharsPerText = 50
                $0.limits.requestTimeoutMs = 50
            })
        let seen = try await app.app.test(.router) { client async throws -> [Exchange] in
            var seen: [Exchange] = []
            func call(_ op: String, _ uri: String, _ body: String? = nil) async throws {
                let method: HTTPRequest.Method = op.hasPrefix("post") ? .post : .get
                let r = try await client.execute(uri: uri, method: method, headers: jsonHeaders, body: body.map(json))
                seen.append(Exchange(operation: op, response: r))
            }
            try await call("get /health", "/health")
            try await call("get /ready", "/ready")  // 503: broken
            try await call("get /v1/models", "/v1/models")
            for body in [#"{"texts": "refund"}"#, #"{"texts": ["a", "billing"], "top_k": 2, "raw_scores": true, "threshold": 0.1}"#] {
                try await call(Self.classify, "/v1/models/retail/classify", body)
            }
            try await call(Self.classify, "/v1/models/ruled/classify", #"{"texts": ["a", "b"]}"#)
            try await call(Self.embed, "/v1/models/retail/embed", #"{"texts": ["a b", "c"]}"#)
            // Errors.
            let errorBodies = ["", "  ", #"{"texts": ["a",}"#, "[1]", #"{"texts": 5}"#, #"{"text": "a"}"#, #"{"texts": "a", "top_k": 9}"#,
                               #"{"texts": ""# + String(repeating: "x", count: 3000) + #""}"#, #"{"texts": ["a","b","c","d"]}"#,
                               #"{"texts": [""# + String(repeating: "y", count: 51) + #""]}"#,
                               #"{"texts": [""# + Array(repeating: "w", count: 20).joined(separator: " ") + #""], "truncate": false}"#]
            for body in errorBodies {
                try await call(Self.classify, "/v1/models/retail/classify", body)
                try await call(Self.embed, "/v1/models/retail/embed", body)
            }
            let r = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders,
                                             body: ByteBuffer(bytes: Array(#"{"texts": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)))
            seen.append(Exchange(operation: Self.classify, response: r))
            for name in ["-x", "nope", "vectors", "broken", "bad", "slow"] {
                try await call(Self.classify, "/v1/models/\(name)/classify", #"{"texts": "a"}"#)
            }
            for name in ["broken", "bad", "slow"] {
                try await call(Self.embed, "/v1/models/\(name)/embed", #"{"texts": "a"}"#)
            }
            // A stopped batcher (what a reload leaves behind) answers `reloading`.
            await app.registry.model(named: "retail")?.batcher?.drainAndStop()
            try await call(Self.classify, "/v1/models/retail/classify", #"{"texts": "a"}"#)
            return seen
        }
        let codes = Set(seen.compactMap { errorOf($0.response)?["code"] as? String })
        #expect(codes.isSuperset(of: ["empty_body", "invalid_json", "invalid_utf8", "invalid_request", "limit_exceeded",
                                      "invalid_model_name", "model_not_found", "unsupported_task", "model_unavailable",
                                      "inference_error", "reloading"]), "\(codes.sorted())")
        try check(seen)
    }

    @Test func authRateLimitAuditAndQueueErrorsValidate() async throws {
        var seen: [Exchange] = []
        let keyed = try await makeApp(models: ["retail": FakeModel(), "finance": FakeModel(name: "finance")],
                                      configure: { $0.auth.rateLimit = .init(requestsPerSecond: 0.01, burst: 3) },
                                      environment: ["SIFT_TEST_KEYS": "shop:k-shop:retail"])
        seen += try await keyed.app.test(.router) { client async throws -> [Exchange] in
            var seen: [Exchange] = []
            for (uri, headers) in [("/v1/models/retail/classify", jsonHeaders), ("/v1/models/retail/classify", bearer("k-wrong")),
                                   ("/v1/models/finance/classify", bearer("k-shop"))] {
                let r = try await client.execute(uri: uri, method: .post, headers: headers, body: json(#"{"texts": "a"}"#))
                seen.append(Exchange(operation: Self.classify, response: r))
            }
            for op in ["get /ready", "get /metrics", "get /openapi.json", "get /v1/models"] {
                let r = try await client.execute(uri: String(op.dropFirst(4)), method: .get, headers: bearer("k-shop"))
                if r.status != .ok { seen.append(Exchange(operation: op, response: r)) }
            }
            return seen
        }
        let statuses = seen.map(\.response.status)
        #expect(statuses.contains(.unauthorized) && statuses.contains(.forbidden) && statuses.contains(.tooManyRequests), "\(statuses)")

        let audited = try await makeApp(audit: FailingAudit())
        let refused = try await audited.app.test(.router) { client async throws in
            try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts": "a"}"#))
        }
        #expect(errorOf(refused)?["code"] as? String == "audit_unavailable")
        seen.append(Exchange(operation: Self.classify, response: refused))

        let queued = try await makeApp(models: ["retail": FakeModel(delay: .milliseconds(100))], configure: {
            $0.batching.maxQueueTexts = 2
            $0.batching.maxBatchTexts = 1
        })
        seen += try await queued.app.test(.router) { client async throws -> [Exchange] in
            let all = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"a"}"#))
                    }
                }
                var all: [TestResponse] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(all.contains { errorOf($0)?["code"] as? String == "overloaded" })
            return all.map { Exchange(operation: Self.classify, response: $0) }
        }
        try check(seen)
    }

    // MARK: Encoding failures

    @Test func anEncodingFailureIsA500WithTheRequestID() async throws {
        let router = Router(context: SiftRequestContext.self)
        router.add(middleware: ObservationMiddleware(metrics: ServerMetrics()))
        router.get("nan") { _, _ in try JSONBody.response(.ok, ["score": Double.nan]) }
        try await Application(router: router).test(.router) { client async throws in
            let r = try await client.execute(uri: "/nan", method: .get, headers: [.init("X-Request-ID")!: "enc-1"])
            #expect(r.status == .internalServerError)
            #expect(errorOf(r)?["code"] as? String == "internal_error")
            #expect(errorOf(r)?["request_id"] as? String == "enc-1")
            #expect((errorOf(r)?["message"] as? String)?.contains("could not be encoded") == true)
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(r.body.readableBytesView))
            let schema = try #require(OpenAPIDocument.document["paths"]?["/health"]?["get"]?["responses"]?["500"]?["content"]?["application/json"]?["schema"])
            #expect(SchemaCheck(document: OpenAPIDocument.document).problems(body, schema).isEmpty)
        }
    }
}

/// Where an API type's coding keys and its schema's properties disagree.
func keyProblems<T: APIObject>(_: T.Type) -> [String] {
    let keys = T.CodingKeys.allCases.map(\.stringValue)
    let fields = T.fields.map(\.key.stringValue)
    var out: [String] = []
    if Set(keys) != Set(fields) { out.append("\(T.schemaName): keys \(keys.sorted()), fields \(fields.sorted())") }
    if fields.count != Set(fields).count { out.append("\(T.schemaName) lists a field twice") }
    let properties = Set(T.schema.properties.map { Array($0.keys) } ?? [])
    if properties != Set(keys) { out.append("\(T.schemaName): schema properties \(properties.sorted())") }
    return out
}

func schemaName<T: APIObject>(_: T.Type) -> String { T.schemaName }

func encodedKeys(_ value: some Encodable) throws -> Set<String> {
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any]
    return Set(object?.keys.map { $0 } ?? [])
}

actor FailingAudit: AuditSink {
    struct Down: Error {}
    func record(_ entry: AuditEntry) async throws { throw Down() }
}

/// Checks a JSON value against a schema of the document: the subset of JSON Schema the
/// generated document uses ($ref, type, properties, required, additionalProperties, items,
/// enum, oneOf, minimum, maximum, minItems, pattern, nullable). Returns what does not match, by path.
struct SchemaCheck {
    let document: JSONValue

    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        guard case .object(let s) = schema else { return ["\(path): schema is not an object"] }
        if case .string(let ref) = s["$ref"] {
            let name = String(ref.dropFirst("#/components/schemas/".count))
            guard let target = document["components"]?["schemas"]?[name] else { return ["\(path): unresolved \(ref)"] }
            return problems(value, target, at: path)
        }
        if value == .null, s["nullable"] == .bool(true) { return [] }
        var out: [String] = []
        if case .array(let choices) = s["oneOf"] {
            let matching = choices.filter { problems(value, $0, at: path).isEmpty }.count
            if matching != 1 { out.append("\(path): matches \(matching) of oneOf") }
        }
        if case .string(let type) = s["type"], !Self.has(value, type: type) {
            return out + ["\(path): expected \(type), got \(value)"]
        }
        if case .array(let allowed) = s["enum"], !allowed.contains(value) { out.append("\(path): \(value) not in \(allowed)") }
        if let n = Self.number(value) {
            if let min = s["minimum"].flatMap(Self.number), n < min { out.append("\(path): \(n) < \(min)") }
            if let max = s["maximum"].flatMap(Self.number), n > max { out.append("\(path): \(n) > \(max)") }
        }
        if case .string(let text) = value, case .string(let pattern) = s["pattern"],
           text.range(of: pattern, options: .regularExpression) == nil {
            out.append("\(path): '\(text)' does not match \(pattern)")
        }
        if case .array(let items) = value {
            if case .int(let min) = s["minItems"], items.count < min { out.append("\(path): fewer than \(min) items") }
            if let itemSchema = s["items"] {
                for (i, item) in items.enumerated() { out += problems(item, itemSchema, at: "\(path)[\(i)]") }
            }
        }
        if case .object(let fields) = value {
            let properties: [String: JSONValue] = if case .object(let p) = s["properties"] { p } else { [:] }
            if case .array(let required) = s["required"] {
                for case .string(let key) in required where fields[key] == nil { out.append("\(path): missing '\(key)'") }
            }
            for (key, v) in fields {
                if let p = properties[key] {
                    out += problems(v, p, at: "\(path).\(key)")
                } else if s["additionalProperties"] == .bool(false) {
                    out.append("\(path): unexpected '\(key)'")
                } else if let extra = s["additionalProperties"], extra != .bool(true) {
                    out += problems(v, extra, at: "\(path).\(key)")
                }
            }
        }
        return out
    }

    static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .int),
             ("number", .int), ("number", .double): true
        default: false
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}
