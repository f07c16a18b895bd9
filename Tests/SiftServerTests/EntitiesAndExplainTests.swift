import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SiftInference
import SiftTestSupport
import Synchronization
import Testing
@testable import SiftServer

/// The entities route, classify's `long_text` and `explain`, on the tiny random folders of
/// Tests/Fixtures/entities (tiny-ner: BertForTokenClassification; tiny-cls: 3-label sequence
/// classifier), each against the offline path that is itself tested against Hugging Face and
/// Captum (SiftInferenceTests: EntityPipelineTests, TextEncoderTests, ExplainTests).
@Suite struct EntitiesAndExplainTests {
    static let folders = ["ner": "entities/tiny-ner", "cls": "entities/tiny-cls", "multi": "entities/tiny-cls-multi",
                          "vectors": "tiny-bert/base"]

    func app(audit: (any AuditSink)? = nil, configure: (inout ServerConfig) -> Void = { _ in }) async throws -> SiftApplication {
        var config = testServerConfig()
        config.audit.path = nil
        config.auth.apiKeysEnv = nil
        for (name, path) in Self.folders { config.models[name] = ModelSpec(path: TestPaths.fixture(path).path, version: "t1") }
        configure(&config)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try await buildApplication(config, dependencies: .init(loader: EngineModelLoader(), audit: audit, logger: logger))
    }

    static func bundle(_ name: String) throws -> ModelBundle {
        try ModelBundle(directory: TestPaths.fixture(try #require(folders[name])))
    }

    func post(_ client: some TestClientProtocol, _ model: String, _ route: String, _ body: [String: Any]) async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await client.execute(uri: "/v1/models/\(model)/\(route)", method: .post, headers: jsonHeaders, body: ByteBuffer(bytes: data))
    }

    static let sentences = [
        "Angela Merkel met Emmanuel Macron in Paris on Monday.",
        "Zoë Müller works for Siemens AG in München, near the café.",
        "Deutsche Bank paid 3,5 million to J.P. Morgan on 12.03.2024 - a record!",
        "",
    ]
    /// Several windows at the folders' 128 tokens.
    static let long = Array(repeating: "Reuters reported that Samsung Electronics, Sony and Nintendo compete in Tokyo, Seoul and Beijing.",
                            count: 12).joined(separator: " ")

    // MARK: Entities

    @Test(arguments: EntityAggregation.allCases)
    func entitiesEqualTheOfflineRunner(_ aggregation: EntityAggregation) async throws {
        let bundle = try Self.bundle("ner")
        let recognizer = try bundle.requireEntityRecognizer()
        #expect(recognizer.windows(Self.long, options: EntityOptions(stride: 32)).count >= 3)
        let texts = Self.sentences + [Self.long]
        let app = try await app()
        try await app.app.test(.router) { client async throws in
            // The default stride (32), an explicit one, and null (the first window only); default and empty ignore_labels.
            let variants: [([String: Any], EntityOptions)] = [
                ([:], EntityOptions(aggregation: aggregation, stride: 32, ignoreLabels: ["O"])),
                (["stride": 0, "ignore_labels": []], EntityOptions(aggregation: aggregation, stride: 0, ignoreLabels: [])),
                (["stride": NSNull()], EntityOptions(aggregation: aggregation, stride: nil, ignoreLabels: ["O"])),
            ]
            for (extra, options) in variants {
                var body: [String: Any] = ["texts": texts, "aggregation": aggregation.rawValue]
                body.merge(extra) { $1 }
                let r = try await post(client, "ner", "entities", body)
                #expect(r.status == .ok, "\(body)")
                #expect(object(r)?["model"] as? String == "ner" && object(r)?["version"] as? String == "t1")
                #expect(object(r)?["request_id"] is String)
                #expect(r.headers[.init(ModelsController.inferenceHeader)!] != nil)
                let want = try OfflineRunner(bundle: bundle).entities(texts, options: options)
                let got = results(r).map { $0["entities"] as? [[String: Any]] ?? [] }
                #expect(got.count == texts.count)
                var total = 0
                for (i, (g, w)) in zip(got, want).enumerated() {
                    #expect(g.count == w.count, "\(options) text \(i): \(g.count) vs \(w.count) entities")
                    for (a, b) in zip(g, w) {
                        let label = (aggregation == .none ? a["entity"] : a["entity_group"]) as? String
                        #expect(label == b.label && a["word"] as? String == b.word, "\(a) vs \(b)")
                        #expect(a["start"] as? Int == b.start && a["end"] as? Int == b.end)
                        #expect(a["index"] as? Int == b.index)
                        #expect(abs((a["score"] as? Double ?? .nan) - Double(b.score)) < 1e-5, "\(a) vs \(b)")
                        #expect((aggregation == .none) == (a["entity_group"] == nil))
                    }
                    total += w.count
                }
                #expect(total > 0, "the tiny model finds something in these texts")
            }
        }
    }

    /// Every window of every text in one submission: one forward pass for the whole request.
    @Test func allWindowsGoToTheQueueAsOneSubmission() async throws {
        let events = EventLog()
        var config = testServerConfig()
        config.audit.path = nil
        config.auth.apiKeysEnv = nil
        config.batching.maxBatchTexts = 4  // fewer than the windows: one submission still runs whole
        config.models["ner"] = ModelSpec(path: TestPaths.fixture("entities/tiny-ner").path)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try await buildApplication(config, dependencies: .init(loader: EngineModelLoader(), logger: logger))
        let batcher = try #require(app.registry.model(named: "ner")?.batcher)
        let traced = DynamicBatcher(model: batcher.model, options: batcher.options, trace: events.trace)
        let recognizer = try #require(traced.model.entityRecognizer)
        let texts = [Self.long, Self.sentences[0], Self.long]
        let options = EntityOptions(stride: 32)
        let windows = texts.map { recognizer.windows($0, options: options) }
        let encoded = traced.encode(building: { EntityRecognizer.inputs(windows.flatMap { $0 }) })
        let answer = try await traced.classifyTokens(encoded)
        #expect(answer.output.count == windows.map(\.count).reduce(0, +))
        #expect(events.all.filter { if case .started = $0 { true } else { false } }.count == 1)
        #expect(answer.output.allSatisfy { $0.labels == 9 })
    }

    // MARK: Long texts

    @Test(arguments: [("cls", "window", "mean"), ("cls", "window", "max"), ("multi", "window", "max"), ("cls", "head-tail", "mean"),
                      ("cls", "truncate", "mean")])
    func longTextClassifyEqualsTheOfflineRunner(_ model: String, _ mode: String, _ aggregation: String) async throws {
        let bundle = try Self.bundle(model)
        let o = LongTextOptions(mode: try #require(LongTextMode(rawValue: mode)), stride: 16,
                                aggregation: try #require(WindowAggregation(rawValue: aggregation)), maxWindows: 3)
        let texts = [Self.long, Self.sentences[0], Self.long + " The end.", ""]
        #expect(bundle.encoder.encode(Self.long, longText: LongTextOptions(mode: .window, stride: 16, maxWindows: 99)).count > 3)
        let want = try OfflineRunner(bundle: bundle).classify(texts, with: bundle.requireClassifier(), longText: o)
        let app = try await app()
        try await app.app.test(.router) { client async throws in
            let r = try await post(client, model, "classify", [
                "texts": texts, "raw_scores": true,
                "long_text": ["mode": mode, "stride": 16, "aggregation": aggregation, "max_windows": 3],
            ])
            #expect(r.status == .ok)
            let labels = bundle.labels
            for (g, w) in zip(results(r), want) {
                let scores = try #require(g["scores"] as? [String: Double])
                let logits = try #require(g["logits"] as? [String: Double])
                for (j, label) in labels.enumerated() {
                    #expect(abs((scores[label] ?? .nan) - Double(w.scores[j])) < 1e-5, "\(label): \(scores) vs \(w.scores)")
                    #expect(abs((logits[label] ?? .nan) - Double(w.logits[j])) < 1e-4, "\(label): \(logits) vs \(w.logits)")
                }
            }
        }
    }

    /// `truncate: false` means "read whole or refuse": under window mode a text within
    /// max_windows is read, one needing more is refused; head-tail refuses a text it would cut.
    @Test func truncateFalseUnderLongTextModes() async throws {
        let app = try await app()
        try await app.app.test(.router) { client async throws in
            let windowed = try await post(client, "cls", "classify", ["texts": [Self.long], "truncate": false,
                                                                     "long_text": ["mode": "window", "max_windows": 16]])
            #expect(windowed.status == .ok)
            let plain = try await post(client, "cls", "classify", ["texts": [Self.long], "truncate": false])
            #expect(plain.status == .unprocessableContent && errorOf(plain)?["limit"] as? String == "max_length")
            let few = try await post(client, "cls", "classify", ["texts": [Self.long, "short"], "truncate": false,
                                                                "long_text": ["mode": "window", "max_windows": 2]])
            #expect(few.status == .unprocessableContent)
            #expect(errorOf(few)?["limit"] as? String == "max_length")
            #expect((errorOf(few)?["message"] as? String)?.contains("texts[0] needs more than 2 windows") == true)
            let headTail = try await post(client, "cls", "classify", ["texts": [Self.long], "truncate": false, "long_text": ["mode": "head-tail"]])
            #expect(headTail.status == .unprocessableContent && errorOf(headTail)?["limit"] as? String == "max_length", "\(String(decoding: headTail.body.readableBytesView, as: UTF8.self))")
            // Short texts are fine under every mode.
            for mode in LongTextMode.allCases {
                let r = try await post(client, "cls", "classify", ["texts": ["short"], "truncate": false, "long_text": ["mode": mode.rawValue]])
                #expect(r.status == .ok, "\(mode)")
            }
        }
    }

    // MARK: Explanations

    @Test(arguments: [AttributionMethod.integratedGradients, .occlusion])
    func explanationsEqualTheTextExplainer(_ method: AttributionMethod) async throws {
        let bundle = try Self.bundle("cls")
        let explainer = try TextExplainer(bundle: bundle)
        let texts = ["the screen is excellent but the price is far too high", "Angela Merkel met Emmanuel Macron in Paris on Monday."]
        let wants = try texts.map { try explainer.explain($0, options: ExplainOptions(method: method, output: .probability, steps: 20)) }
        let want5 = try explainer.explain(texts[0], options: ExplainOptions(method: .integratedGradients, steps: 5))
        let app = try await app()
        try await app.app.test(.router) { client async throws in
            var body: [String: Any] = ["texts": texts, "explain": true]
            if method == .occlusion { body["explain_method"] = "occlusion" }  // integrated gradients is the default here
            let r = try await post(client, "cls", "classify", body)
            #expect(r.status == .ok)
            #expect(r.headers[.init(ModelsController.explainHeader)!] != nil)
            // The server runs the dense layers on oneDNN fp32, the explainer here on OpenBLAS: the
            // same arithmetic summed in another order (differences ~2e-6).
            for (want, g) in zip(wants, results(r)) {
                let x = try #require(g["explanation"] as? [String: Any])
                #expect(x["method"] as? String == method.rawValue)
                #expect(x["attribute"] as? String == "probability")
                #expect(x["label"] as? String == want.label && g["label"] as? String == want.label)
                #expect(abs((x["score"] as? Double ?? .nan) - Double(want.score)) < 1e-5)
                if let d = want.convergenceDelta {
                    #expect(abs((x["convergence_delta"] as? Double ?? .nan) - Double(d)) < 1e-5)
                } else {
                    #expect(x["convergence_delta"] == nil)
                }
                let words = try #require(x["words"] as? [[String: Any]])
                #expect(words.count == want.words.count && !words.isEmpty)
                for (a, b) in zip(words, want.words) {
                    #expect(a["word"] as? String == b.text && a["start"] as? Int == b.start && a["end"] as? Int == b.end)
                    #expect(abs((a["attribution"] as? Double ?? .nan) - Double(b.attribution)) < 1e-5, "\(a) vs \(b)")
                }
            }
            // Steps are the request's.
            let five = try await post(client, "cls", "classify", ["texts": texts[0], "explain": true, "explain_steps": 5])
            let d5 = (results(five).first?["explanation"] as? [String: Any])?["convergence_delta"] as? Double
            #expect(abs((d5 ?? .nan) - Double(want5.convergenceDelta ?? .nan)) < 1e-6)
            // Without explain, no explanation.
            let plain = try await post(client, "cls", "classify", ["texts": texts[0]])
            #expect(results(plain).first?["explanation"] == nil && plain.headers[.init(ModelsController.explainHeader)!] == nil)
        }
    }

    // MARK: Refusals

    @Test func refusalsNameTheProblem() async throws {
        let app = try await app(configure: { $0.limits.maxTextsPerRequest = 5; $0.limits.maxCharsPerText = 3000 })
        try await app.app.test(.router) { client async throws in
            func expectError(_ model: String, _ route: String, _ body: [String: Any], _ status: HTTPResponse.Status, _ code: String,
                             _ words: String, limit: String? = nil) async throws {
                let r = try await post(client, model, route, body)
                #expect(r.status == status, "\(route) \(body): \(r.status)")
                #expect(errorOf(r)?["code"] as? String == code, "\(route) \(body)")
                if let limit { #expect(errorOf(r)?["limit"] as? String == limit) }
                let message = errorOf(r)?["message"] as? String ?? ""
                #expect(message.contains(words), "'\(message)' lacks '\(words)'")
            }
            // The wrong task, both ways.
            for model in ["cls", "multi", "vectors"] {
                try await expectError(model, "entities", ["texts": "x"], .unprocessableContent, "unsupported_task", "does not label tokens")
            }
            for route in ["classify", "embed"] {
                try await expectError("ner", route, ["texts": "x"], .unprocessableContent, "unsupported_task", "/v1/models/ner/entities")
            }
            try await expectError("ner", "zero-shot", ["texts": "x", "labels": ["a", "b"]], .unprocessableContent, "unsupported_task",
                                  "/v1/models/ner/entities")
            // Entities' fields.
            try await expectError("ner", "entities", ["texts": "x", "aggregation": "longest"], .unprocessableContent, "invalid_request",
                                  "field 'aggregation': must be one of none, simple, first, average, max")
            try await expectError("ner", "entities", ["texts": "x", "aggregation": 1], .unprocessableContent, "invalid_request", "aggregation")
            try await expectError("ner", "entities", ["texts": "x", "stride": -1], .unprocessableContent, "invalid_request", "field 'stride'")
            try await expectError("ner", "entities", ["texts": "x", "stride": 126], .unprocessableContent, "invalid_request",
                                  "field 'stride': stride 126 must be at least 0 and below the 126 text tokens")
            try await expectError("ner", "entities", ["texts": "x", "stride": "wide"], .unprocessableContent, "invalid_request",
                                  "field 'stride' has the wrong type: must be an integer or null")
            try await expectError("ner", "entities", ["texts": "x", "ignore_labels": "O"], .unprocessableContent, "invalid_request",
                                  "field 'ignore_labels' has the wrong type")
            try await expectError("ner", "entities", ["texts": "x", "truncate": false], .unprocessableContent, "invalid_request", "truncate")
            try await expectError("ner", "entities", ["texts": []], .unprocessableContent, "invalid_request", "at least one text")
            try await expectError("ner", "entities", [:], .unprocessableContent, "invalid_request", "missing field 'texts'")
            try await expectError("ner", "entities", ["texts": Array(repeating: "x", count: 6)], .contentTooLarge, "limit_exceeded",
                                  "6 texts", limit: "max_texts_per_request")
            try await expectError("ner", "entities", ["texts": String(repeating: "y", count: 3001)], .unprocessableContent,
                                  "limit_exceeded", "texts[0]", limit: "max_chars_per_text")
            // long_text's fields.
            try await expectError("cls", "classify", ["texts": "x", "long_text": ["mode": "pages"]], .unprocessableContent, "invalid_request",
                                  "field 'long_text.mode': must be one of truncate, head-tail, window")
            try await expectError("cls", "classify", ["texts": "x", "long_text": ["stride": 8]], .unprocessableContent, "invalid_request",
                                  "missing field 'long_text.mode'")
            try await expectError("cls", "classify", ["texts": "x", "long_text": ["mode": "window", "aggregation": "median"]],
                                  .unprocessableContent, "invalid_request", "field 'long_text.aggregation': must be one of mean, max")
            try await expectError("cls", "classify", ["texts": "x", "long_text": ["mode": "window", "stride": -2]], .unprocessableContent,
                                  "invalid_request", "field 'long_text.stride': must be at least 0")
            try await expectError("cls", "classify", ["texts": "x", "long_text": ["mode": "window", "stride": 500]], .unprocessableContent,
                                  "invalid_request", "field 'long_text.stride': stride 500")
            try await expectError("cls", "classify", ["texts": "x", "long_text": ["mode": "window", "max_windows": 0]], .unprocessableContent,
                                  "invalid_request", "field 'long_text.max_windows': must be at least 1")
            try await expectError("cls", "classify", ["texts": "x", "long_text": ["mode": "window", "max_windows": "many"]],
                                  .unprocessableContent, "invalid_request", "field 'long_text.max_windows' has the wrong type: must be an integer")
            try await expectError("cls", "classify", ["texts": "x", "long_text": ["mode": "window", "pages": 2]], .unprocessableContent,
                                  "invalid_request", "long_text.pages")
            try await expectError("cls", "classify", ["texts": "x", "long_text": "window"], .unprocessableContent, "invalid_request",
                                  "field 'long_text' has the wrong type: must be an object")
            // Explanations' fields and cap.
            try await expectError("cls", "classify", ["texts": Array(repeating: "x", count: 5), "explain": true], .contentTooLarge,
                                  "limit_exceeded", "5 texts to explain; the limit is 4", limit: "max_explain_texts")
            try await expectError("cls", "classify", ["texts": "x", "explain": true, "explain_steps": 51], .unprocessableContent,
                                  "invalid_request", "field 'explain_steps': must be between 1 and 50")
            try await expectError("cls", "classify", ["texts": "x", "explain": true, "explain_steps": 0], .unprocessableContent,
                                  "invalid_request", "field 'explain_steps'")
            try await expectError("cls", "classify", ["texts": "x", "explain": true, "explain_method": "shap"], .unprocessableContent,
                                  "invalid_request", "field 'explain_method': must be one of integrated-gradients, occlusion")
            try await expectError("cls", "classify", ["texts": "x", "explain": "yes"], .unprocessableContent, "invalid_request",
                                  "field 'explain' has the wrong type: must be true or false")
        }
    }

    @Test func explanationsOffAndModelsThatCannotExplain() async throws {
        let off = try await app(configure: { $0.limits.maxExplainTexts = 0 })
        try await off.app.test(.router) { client async throws in
            let r = try await post(client, "cls", "classify", ["texts": "x", "explain": true])
            #expect(r.status == .contentTooLarge && errorOf(r)?["limit"] as? String == "max_explain_texts")
            #expect((errorOf(r)?["message"] as? String)?.contains("turned off") == true)
            #expect(try await post(client, "cls", "classify", ["texts": "x"]).status == .ok)
        }
        // A model without attribution methods (the fake) refuses; its plain answers are unchanged.
        let fake = try await makeApp()
        try await fake.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders,
                                             body: json(#"{"texts": "refund", "explain": true}"#))
            #expect(r.status == .unprocessableContent && errorOf(r)?["code"] as? String == "unsupported_task")
            let w = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders,
                                             body: json(#"{"texts": "refund", "long_text": {"mode": "window"}}"#))
            #expect(w.status == .unprocessableContent && errorOf(w)?["code"] as? String == "unsupported_task")
            #expect((errorOf(w)?["message"] as? String)?.contains("long_text.mode") == true)
            let ok = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders,
                                              body: json(#"{"texts": "refund", "long_text": {"mode": "truncate"}}"#))
            #expect(ok.status == .ok && results(ok).first?["label"] as? String == "refund")
        }
        // A failed model answered by rules: nothing to explain, no error.
        let ruled = try await makeApp(models: [:], configure: {
            $0.models["ruled"] = ModelSpec(path: "missing", fallback: RuleSetSpec(rules: [RuleSpec(label: "x", keywords: ["a"])]))
        })
        try await ruled.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/ruled/classify", method: .post, headers: jsonHeaders,
                                             body: json(#"{"texts": "a", "explain": true, "long_text": {"mode": "window"}}"#))
            #expect(r.status == .ok && results(r).first?["answered_by"] as? String == "rules")
            #expect(results(r).first?["explanation"] == nil)
        }
    }

    /// A request whose windows outnumber what the queue can ever hold is too large (413), not overload (503).
    @Test func windowsBeyondTheQueueAreTooLarge() async throws {
        let app = try await app(configure: { $0.batching.maxQueueTexts = 3 })
        try await app.app.test(.router) { client async throws in
            let e = try await post(client, "ner", "entities", ["texts": [Self.long]])
            #expect(e.status == .contentTooLarge && errorOf(e)?["limit"] as? String == "max_queue_texts")
            let c = try await post(client, "cls", "classify", ["texts": [Self.long], "long_text": ["mode": "window"]])
            #expect(c.status == .contentTooLarge && errorOf(c)?["limit"] as? String == "max_queue_texts")
            #expect(try await post(client, "ner", "entities", ["texts": [Self.long], "stride": NSNull()]).status == .ok)
        }
    }

    // MARK: Audit and the document

    @Test func answersAndRefusalsAreAudited() async throws {
        let audit = MemoryAudit()
        let app = try await app(audit: audit)
        let texts = [Self.sentences[0], Self.sentences[1]]
        let want = try OfflineRunner(bundle: Self.bundle("ner")).entities(texts, options: EntityOptions(stride: 32))
        try await app.app.test(.router) { client async throws in
            #expect(try await post(client, "ner", "entities", ["texts": texts]).status == .ok)
            #expect(try await post(client, "ner", "entities", ["texts": "x", "aggregation": "longest"]).status == .unprocessableContent)
            #expect(try await post(client, "cls", "entities", ["texts": "x"]).status == .unprocessableContent)
            #expect(try await post(client, "cls", "classify", ["texts": ["a", "b"], "explain": true]).status == .ok)
            #expect(try await post(client, "cls", "classify", ["texts": Array(repeating: "a", count: 5), "explain": true]).status == .contentTooLarge)
            #expect(try await post(client, "cls", "classify", ["texts": "a", "long_text": ["mode": "window"]]).status == .ok)
            #expect(try await post(client, "cls", "classify", ["texts": "a", "long_text": ["mode": "window", "stride": 999]]).status == .unprocessableContent)
        }
        let entries = await audit.entries
        #expect(entries.map(\.endpoint) == ["entities", "entities", "entities", "classify", "classify", "classify", "classify"])
        #expect(entries.map(\.status) == [200, 422, 422, 200, 413, 200, 422])
        let ok = entries[0]
        #expect(ok.texts == texts && ok.answeredBy == ["model", "model"] && ok.model == "ner" && ok.version == "t1")
        // One label and score per entity, texts in order.
        #expect(ok.labels == want.flatMap { $0 }.map(\.label))
        #expect(ok.scores.count == want.flatMap { $0 }.count && !ok.scores.isEmpty)
        for (a, b) in zip(ok.scores, want.flatMap { $0 }) { #expect(abs((a ?? .nan) - Double(b.score)) < 1e-5) }
        // A body that does not decode keeps no texts (only readable texts are recorded).
        #expect(entries[1].texts.isEmpty && entries[1].labels.isEmpty && entries[2].texts == ["x"])
        #expect(entries[3].labels.count == 2 && entries[3].labels.allSatisfy { $0 != nil })
        #expect(entries[4].texts.count == 5)
    }

    @Test func answersValidateAgainstTheDocument() async throws {
        let app = try await app(configure: { $0.batching.maxQueueTexts = 8 })
        let checker = SchemaCheck(document: OpenAPIDocument.document)
        try await app.app.test(.router) { client async throws in
            let calls: [(String, String, [String: Any])] = [
                ("ner", "entities", ["texts": Self.sentences]),
                ("ner", "entities", ["texts": Self.sentences, "aggregation": "none", "stride": NSNull(), "ignore_labels": []]),
                ("ner", "entities", ["texts": "x", "aggregation": "longest"]),
                ("ner", "entities", ["texts": Array(repeating: Self.long, count: 3)]),
                ("cls", "entities", ["texts": "x"]),
                ("cls", "classify", ["texts": ["a b", "c"], "explain": true, "long_text": ["mode": "window", "stride": 8]]),
                ("cls", "classify", ["texts": "a", "explain": true, "explain_method": "occlusion"]),
                ("cls", "classify", ["texts": Array(repeating: "a", count: 5), "explain": true]),
                ("ner", "classify", ["texts": "a"]),
            ]
            for (model, route, body) in calls {
                let r = try await post(client, model, route, body)
                let status = String(r.status.code)
                let documented = OpenAPIDocument.document["paths"]?["/v1/models/{name}/\(route)"]?["post"]?["responses"]?[status]
                let schema = try #require(documented?["content"]?["application/json"]?["schema"], "\(route) \(status) undocumented")
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(r.body.readableBytesView))
                let problems = checker.problems(value, schema)
                #expect(problems.isEmpty, "\(route) \(body): \(problems)")
                // The request schema agrees with the server on whether the body is well-formed.
                let request = try #require(OpenAPIDocument.document["components"]?["schemas"]?[route == "entities" ? "EntitiesRequest" : "ClassifyRequest"])
                let requestValue = try JSONDecoder().decode(JSONValue.self, from: JSONSerialization.data(withJSONObject: body))
                if r.status == .ok { #expect(checker.problems(requestValue, request).isEmpty, "\(body)") }
            }
            // Bodies the request schema refuses are refused.
            for body in [#"{"texts": "a", "aggregation": "longest"}"#, #"{"texts": "a", "stride": -1}"#, #"{"texts": "a", "stride": "x"}"#,
                         #"{"texts": "a", "ignore_labels": "O"}"#, #"{"texts": "a", "extra": 1}"#] {
                let request = try #require(OpenAPIDocument.document["components"]?["schemas"]?["EntitiesRequest"])
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
                #expect(!checker.problems(value, request).isEmpty, "\(body)")
                let r = try await client.execute(uri: "/v1/models/ner/entities", method: .post, headers: jsonHeaders, body: json(body))
                #expect(r.status == .unprocessableContent, "\(body)")
            }
            for body in [#"{"texts": "a", "long_text": {"mode": "pages"}}"#, #"{"texts": "a", "long_text": {}}"#,
                         #"{"texts": "a", "long_text": {"mode": "window", "max_windows": 0}}"#, #"{"texts": "a", "explain_steps": 51}"#,
                         #"{"texts": "a", "explain_method": "shap"}"#] {
                let request = try #require(OpenAPIDocument.document["components"]?["schemas"]?["ClassifyRequest"])
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
                #expect(!checker.problems(value, request).isEmpty, "\(body)")
                let r = try await client.execute(uri: "/v1/models/cls/classify", method: .post, headers: jsonHeaders, body: json(body))
                #expect(r.status == .unprocessableContent, "\(body)")
            }
        }
    }
}

/// Collects a queue's events.
final class EventLog: Sendable {
    let events = Mutex<[BatchQueue.Event]>([])
    var all: [BatchQueue.Event] { events.withLock { $0 } }
    var trace: @Sendable (BatchQueue.Event) -> Void { { e in self.events.withLock { $0.append(e) } } }
}
