import Foundation
import Hummingbird
import NIOCore
import SiftEngine
import SiftInference
import SiftTokenizers

/// `/v1/models...`: listing, classification (long texts, explanations), embeddings, zero-shot
/// and entities. Reads bodies itself so that size, encoding and JSON problems each get their own
/// clear error.
struct ModelsController: Sendable {
    let registry: ModelRegistry
    let limits: ServerConfig.Limits
    let inference: Inference
    let audit: (any AuditSink)?

    func addRoutes(to group: RouterGroup<SiftRequestContext>) {
        group.get("models", use: list)
        group.post("models/:name/classify", use: classify)
        group.post("models/:name/embed", use: embed)
        group.post("models/:name/zero-shot", use: zeroShot)
        group.post("models/:name/entities", use: entities)
    }

    @Sendable func list(_ request: Request, context: SiftRequestContext) async throws -> Response {
        let entries = registry.all.filter { context.principal.mayUse(model: $0.name) }.map { m -> ModelListing.Entry in
            let info = m.info
            var error: String? = nil
            if case .failed(let why) = m.state { error = why }
            return .init(name: m.name, version: m.version, state: m.loadState,
                         task: info?.task, labels: info?.labels, maxLength: info?.maxLength,
                         fallbackRules: m.rules?.rules.count ?? 0, error: error)
        }
        return try JSONBody.response(.ok, ModelListing(models: entries))
    }

    @Sendable func classify(_ request: Request, context: SiftRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let served = try model(context)
        var texts: [String] = []
        do {
            let req: ClassifyRequest = try await decodeBody(request, context)
            texts = req.texts
            if served.info?.task == .embedding {
                throw APIError(.unsupportedTask, "model '\(served.name)' has no classification head; use /embed")
            }
            try refuseTokenClassifier(served)
            try checkLimits(req.texts)
            if let k = req.topK, k < 1 || (served.info.map { k > $0.labels.count } ?? false) {
                throw APIError.invalid("field 'top_k' must be between 1 and the number of labels")
            }
            if let t = req.threshold, !(0...1).contains(t) {
                throw APIError.invalid("field 'threshold' must be between 0 and 1")
            }
            let explain = try explainOptions(req, served)
            let longText = req.longText?.options ?? .truncate
            let encoded: DynamicBatcher.Encoded?
            var windows: [Int]? = nil
            if longText.mode == .truncate {
                encoded = try encode(req.texts, truncate: req.truncate, served: served)
            } else if let batcher = served.batcher {
                let w = try encodeWindows(req.texts, longText, truncate: req.truncate, batcher)
                encoded = w.encoded
                windows = w.counts
                try checkQueueRoom(w.encoded, batcher)
            } else {
                encoded = nil  // Failed to load: rules answer.
            }
            let answer = try await inference.classify(served, req, encoded, windows: windows, aggregation: longText.aggregation,
                                                      explain: explain)
            let body = ClassifyResponse(model: served.name, version: served.version, requestID: context.requestID, results: answer.results)
            // Encoded before the audit row is written: a body that cannot be encoded is a 500, recorded as one.
            var response = try JSONBody.response(.ok, body)
            try await record(context, served, "classify", req.texts, start: start, status: 200,
                             answeredBy: answer.results.map(\.answeredBy),
                             labels: answer.results.map(\.label), scores: answer.results.map(\.score))
            if let d = answer.explain { response.headers[.init(Self.explainHeader)!] = String(format: "%.3f", d.seconds * 1000) }
            return Self.withTimings(response, tokenize: encoded?.tokenize, answer.timings)
        } catch let error as APIError where error.code != .auditUnavailable {
            // Refusals and failures are on the record too (texts only if they were readable).
            try? await record(context, served, "classify", texts, start: start, status: Int(error.status.code),
                              answeredBy: [], labels: [], scores: [])
            throw error
        }
    }

    /// What `explain: true` asks of a loaded model, checked before any inference: the per-request
    /// cap, and a method the model's head allows (nil: no explanations, or the model failed to
    /// load and only rules can answer, which explain nothing).
    func explainOptions(_ req: ClassifyRequest, _ served: ServedModel) throws -> ExplainOptions? {
        guard req.explain else { return nil }
        if req.texts.count > limits.maxExplainTexts {
            throw APIError.limit(.maxExplainTexts, limits.maxExplainTexts == 0
                ? "explanations are turned off on this server (limits.max_explain_texts is 0)"
                : "\(req.texts.count) texts to explain; the limit is \(limits.maxExplainTexts) per request")
        }
        guard let model = served.batcher?.model else { return nil }
        let methods = model.attributionMethods
        guard let preferred = methods.first else {
            throw APIError(.unsupportedTask, "model '\(served.name)' cannot explain its answers")
        }
        let method = req.explainMethod ?? preferred
        guard methods.contains(method) else {
            throw APIError(.unsupportedTask, "field 'explain_method': \(method.rawValue) needs a fine-tuned classification head (pooler and classifier weights); model '\(served.name)' allows \(methods.map(\.rawValue).joined(separator: ", "))")
        }
        return ExplainOptions(method: method, output: .probability, steps: req.explainSteps)
    }

    /// A long-text policy's windows of each text, tokenized once here. With `truncate: false`, a
    /// text the model cannot read whole is refused: under window, one needing more than
    /// `max_windows` windows; under head-tail, one over the model's max length (its middle is cut).
    func encodeWindows(_ texts: [String], _ o: LongTextOptions, truncate: Bool, _ batcher: DynamicBatcher) throws
        -> (encoded: DynamicBatcher.Encoded, counts: [Int]) {
        // One window more than allowed tells whether a text needs more.
        var probe = o
        probe.maxWindows = min(o.maxWindows, Int.max - 1) + 1
        var counts: [Int] = []
        let encoded = try batcher.encode(building: {
            let all: [[EncodedText]]
            do {
                all = try batcher.model.encode(texts, longText: probe)
            } catch InferenceError.unsupportedTask(let why) {
                throw APIError(.unsupportedTask, "field 'long_text.mode': \(why)")
            } catch InferenceError.badInput(let why) {
                throw APIError.invalid("field 'long_text.stride': \(why)")
            }
            var kept: [EncodedText] = []
            let max = batcher.model.info.maxLength
            for (i, w) in all.enumerated() {
                if !truncate {
                    if o.mode == .window, w.count > o.maxWindows {
                        throw APIError.limit(.maxLength, "texts[\(i)] needs more than \(o.maxWindows) windows (long_text.max_windows) and truncate is false")
                    }
                    if o.mode != .window, let e = w.first, e.fullLength > max {
                        throw APIError.limit(.maxLength, "texts[\(i)] is \(e.fullLength) tokens; the model takes \(max) and truncate is false")
                    }
                }
                let cut = w.prefix(o.maxWindows)
                kept += cut
                counts.append(cut.count)
            }
            return kept
        })
        return (encoded, counts)
    }

    /// A request of more sequences than the model's queue holds could never be queued: refused
    /// as too large (413), not as overload (503), which a retry would not cure.
    func checkQueueRoom(_ encoded: DynamicBatcher.Encoded, _ batcher: DynamicBatcher) throws {
        let room = batcher.options.maxQueueTexts
        if encoded.encodings.count > room {
            throw APIError.limit(.maxQueueTexts, "the texts make \(encoded.encodings.count) windows; the model's queue holds \(room) (batching.max_queue_texts)")
        }
    }

    /// Text routes on a token classifier point to the entities route.
    func refuseTokenClassifier(_ served: ServedModel) throws {
        if served.info?.task == .tokenClassification {
            throw APIError(.unsupportedTask, "model '\(served.name)' labels tokens (token classification); use /v1/models/\(served.name)/entities")
        }
    }

    @Sendable func embed(_ request: Request, context: SiftRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let served = try model(context)
        var texts: [String] = []
        do {
            let req: EmbedRequest = try await decodeBody(request, context)
            texts = req.texts
            try refuseTokenClassifier(served)
            try checkLimits(req.texts)
            let encoded = try encode(req.texts, truncate: req.truncate, served: served)
            let answer = try await inference.embed(served, encoded)
            let vectors = answer.output
            let response = try JSONBody.response(.ok, EmbedResponse(model: served.name, version: served.version, requestID: context.requestID,
                                                                dimensions: vectors.first?.count ?? 0, embeddings: vectors))
            try await record(context, served, "embed", req.texts, start: start, status: 200,
                             answeredBy: Array(repeating: .model, count: vectors.count), labels: [], scores: [])
            return Self.withTimings(response, tokenize: encoded?.tokenize, answer.timings)
        } catch let error as APIError where error.code != .auditUnavailable {
            try? await record(context, served, "embed", texts, start: start, status: Int(error.status.code),
                              answeredBy: [], labels: [], scores: [])
            throw error
        }
    }

    @Sendable func zeroShot(_ request: Request, context: SiftRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let served = try model(context)
        var texts: [String] = []
        do {
            let req: ZeroShotRequest = try await decodeBody(request, context)
            texts = req.texts
            try refuseTokenClassifier(served)
            try checkLimits(req.texts)
            if let i = ZeroShotClassifier.firstEmpty(req.texts) {
                throw APIError.invalid("texts[\(i)] is empty; zero-shot needs something to classify")
            }
            guard let info = served.info, let batcher = served.batcher else {
                throw APIError(.modelUnavailable, "model '\(served.name)' failed to load")
            }
            let zs: ZeroShotClassifier
            do {
                zs = try ZeroShotClassifier(info: info, labels: req.labels, template: req.hypothesisTemplate, multiLabel: req.multiLabel)
            } catch InferenceError.unsupportedTask(let why) {
                throw APIError(.unsupportedTask, why)
            } catch let e as InferenceError {
                throw APIError.invalid(e.localizedDescription)
            }
            // Labels and the template go into every pair: each is held to the per-text limit.
            for (i, l) in zs.labels.names.enumerated() where l.unicodeScalars.count > limits.maxCharsPerText {
                throw APIError.limit(.maxCharsPerText, "labels[\(i)] has \(l.unicodeScalars.count) characters; the limit is \(limits.maxCharsPerText)")
            }
            if req.hypothesisTemplate.unicodeScalars.count > limits.maxCharsPerText {
                throw APIError.limit(.maxCharsPerText, "hypothesis_template has \(req.hypothesisTemplate.unicodeScalars.count) characters; the limit is \(limits.maxCharsPerText)")
            }
            // Every (text, label) pair is a sequence the model runs.
            let sequences = zs.method == .nli ? req.texts.count * zs.labels.names.count : req.texts.count + zs.labels.names.count
            if sequences > limits.maxTextsPerRequest {
                throw APIError.limit(.maxTextsPerRequest,
                                     "\(req.texts.count) texts and \(zs.labels.names.count) labels make \(sequences) sequences; the limit is \(limits.maxTextsPerRequest) per request")
            }
            let encoded = zs.method == .nli
                ? batcher.encode(pairs: NLIZeroShot.pairs(req.texts, zs.labels))
                : batcher.encode(req.texts + zs.labelTexts)
            if !req.truncate {
                for (i, e) in encoded.encodings.enumerated() where e.fullLength > info.maxLength {
                    throw APIError.limit(.maxLength, "sequence \(i) is \(e.fullLength) tokens; the model takes \(info.maxLength) and truncate is false")
                }
            }
            let answer = try await inference.zeroShot(served, zs, texts: req.texts, encoded)
            let body = ZeroShotResponse(model: served.name, version: served.version, requestID: context.requestID, method: zs.method,
                                        results: answer.results.map { ZeroShotTextResult(labels: $0.labels, scores: $0.scores.map(Double.init)) })
            let response = try JSONBody.response(.ok, body)
            try await record(context, served, "zero-shot", req.texts, start: start, status: 200,
                             answeredBy: Array(repeating: .model, count: answer.results.count),
                             labels: answer.results.map { $0.labels.first }, scores: answer.results.map { $0.scores.first.map(Double.init) })
            return Self.withTimings(response, tokenize: encoded.tokenize, answer.timings)
        } catch let error as APIError where error.code != .auditUnavailable {
            try? await record(context, served, "zero-shot", texts, start: start, status: Int(error.status.code),
                              answeredBy: [], labels: [], scores: [])
            throw error
        }
    }

    @Sendable func entities(_ request: Request, context: SiftRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let served = try model(context)
        var texts: [String] = []
        do {
            let req: EntitiesRequest = try await decodeBody(request, context)
            texts = req.texts
            if let task = served.info?.task, task != .tokenClassification {
                throw APIError(.unsupportedTask, "model '\(served.name)' does not label tokens (its task is \(task.rawValue)); entities need a token classifier (BertForTokenClassification)")
            }
            try checkLimits(req.texts)
            guard let batcher = served.batcher else {
                throw APIError(.modelUnavailable, "model '\(served.name)' failed to load")
            }
            guard let recognizer = batcher.model.entityRecognizer else {
                throw APIError(.unsupportedTask, "model '\(served.name)' has no entity pipeline")
            }
            let options = req.options
            do { try recognizer.validate(options) } catch let e as InferenceError {
                throw APIError.invalid("field 'stride': \(e.localizedDescription)")
            }
            // Every window of every text, with its offsets, tokenized here; one queue submission.
            var windows: [[Encoding]] = []
            let encoded = batcher.encode(building: {
                windows = req.texts.map { recognizer.windows($0, options: options) }
                return EntityRecognizer.inputs(windows.flatMap { $0 })
            })
            try checkQueueRoom(encoded, batcher)
            let answer = try await inference.entities(served, encoded)
            var found: [[Entity]] = []
            var k = 0
            for (text, w) in zip(req.texts, windows) {
                found.append(recognizer.entities(text, windows: w, scores: Array(answer.output[k..<(k + w.count)]), options: options))
                k += w.count
            }
            let body = EntitiesResponse(model: served.name, version: served.version, requestID: context.requestID,
                                        results: found.map { EntitiesTextResult(entities: $0.map(EntityResult.init)) })
            let response = try JSONBody.response(.ok, body)
            // One label and score per entity, texts in order.
            let all = found.flatMap { $0 }
            try await record(context, served, "entities", req.texts, start: start, status: 200,
                             answeredBy: Array(repeating: .model, count: found.count),
                             labels: all.map(\.label), scores: all.map { Double($0.score) })
            return Self.withTimings(response, tokenize: encoded.tokenize, answer.timings)
        } catch let error as APIError where error.code != .auditUnavailable {
            try? await record(context, served, "entities", texts, start: start, status: Int(error.status.code),
                              answeredBy: [], labels: [], scores: [])
            throw error
        }
    }

    // MARK: Steps shared by the routes

    /// The named model, if the name is well-formed, known and the caller may use it.
    func model(_ context: SiftRequestContext) throws -> ServedModel {
        let name = context.parameters.get("name") ?? ""
        if let problem = ModelName.problem(with: name) {
            throw APIError(.invalidModelName, problem)
        }
        guard let served = registry.model(named: name) else {
            throw APIError(.modelNotFound, "no model named '\(name)'")
        }
        guard context.principal.mayUse(model: name) else {
            throw APIError(.forbidden, "'\(context.principal.id)' may not use model '\(name)'")
        }
        return served
    }

    /// Reads and decodes the body: size limit (413), empty (400), UTF-8 (400), JSON syntax (400),
    /// then field types and unknown fields (422).
    func decodeBody<T: Decodable>(_ request: Request, _ context: SiftRequestContext) async throws -> T {
        let limit = limits.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError.limit(.maxBodyBytes, "body is \(declared) bytes; the limit is \(limit)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.limit(.maxBodyBytes, "body exceeds the limit of \(limit) bytes")
        }
        let bytes = buffer.readableBytesView
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw APIError(.emptyBody, "request body is empty; expected a JSON object")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw APIError(.invalidUTF8, "request body is not valid UTF-8")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(ctx) where ctx.codingPath.isEmpty {
            throw APIError(.invalidJSON, "request body is not valid JSON")
        } catch let DecodingError.typeMismatch(_, ctx) where ctx.codingPath.isEmpty {
            throw APIError(.invalidJSON, "request body must be a JSON object")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw APIError.invalid("field '\(ctx.codingPath.dotted)' has the wrong type: \(Self.expected(ctx))")
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw APIError.invalid("missing field '\((ctx.codingPath + [key]).dotted)'")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw APIError.invalid("field '\(ctx.codingPath.dotted)' must not be null")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw APIError.invalid("field '\(ctx.codingPath.dotted)': \(ctx.debugDescription)")
        }
    }

    static func expected(_ ctx: DecodingError.Context) -> String {
        let path = ctx.codingPath.map(\.stringValue)
        if path.first == "long_text" {
            switch path.count > 1 ? path[1] : "" {
            case "": return "must be an object"
            case "mode", "aggregation": return "must be a string"
            case "stride", "max_windows": return "must be an integer"
            default: return ctx.debugDescription
            }
        }
        return switch path.first {
        case "texts": "must be a string or an array of strings"
        case "top_k", "explain_steps": "must be an integer"
        case "stride": "must be an integer or null"
        case "threshold": "must be a number"
        case "raw_scores", "truncate", "multi_label", "explain": "must be true or false"
        case "labels": "must be an array of strings or a comma-separated string"
        case "ignore_labels": "must be an array of strings"
        case "hypothesis_template", "aggregation", "explain_method": "must be a string"
        default: ctx.debugDescription
        }
    }

    /// Texts per request (413) and characters per text (422): checked before any tokenizing.
    func checkLimits(_ texts: [String]) throws {
        if texts.isEmpty { throw APIError.invalid("field 'texts' must hold at least one text") }
        if texts.count > limits.maxTextsPerRequest {
            throw APIError.limit(.maxTextsPerRequest,
                                 "\(texts.count) texts sent; the limit is \(limits.maxTextsPerRequest) per request")
        }
        for (i, t) in texts.enumerated() where t.unicodeScalars.count > limits.maxCharsPerText {
            throw APIError.limit(.maxCharsPerText,
                                 "texts[\(i)] has \(t.unicodeScalars.count) characters; the limit is \(limits.maxCharsPerText)")
        }
    }

    /// Tokenizes the texts once, here on the request's task (nil when the model failed to load:
    /// rules need no tokens). When `truncate` is false, a text longer than the model's maximum
    /// length is refused (422), read from the same encodings the queue will run.
    func encode(_ texts: [String], truncate: Bool, served: ServedModel) throws -> DynamicBatcher.Encoded? {
        guard let batcher = served.batcher else { return nil }
        let encoded = batcher.encode(texts)
        if !truncate {
            let max = batcher.model.info.maxLength
            for (i, e) in encoded.encodings.enumerated() where e.fullLength > max {
                throw APIError.limit(.maxLength,
                                     "texts[\(i)] is \(e.fullLength) tokens; the model takes \(max) and truncate is false")
            }
        }
        return encoded
    }

    /// Response headers with where the request's time went, in milliseconds.
    static let tokenizeHeader = "x-sift-tokenize-ms", queueHeader = "x-sift-queue-ms", inferenceHeader = "x-sift-inference-ms"
    /// The explanations' time (explain: true), after the classification's.
    static let explainHeader = "x-sift-explain-ms"

    static func withTimings(_ response: Response, tokenize: Duration?, _ timings: PhaseTimings?) -> Response {
        var r = response
        func set(_ name: String, _ d: Duration) { r.headers[.init(name)!] = String(format: "%.3f", d.seconds * 1000) }
        if let tokenize { set(tokenizeHeader, tokenize) }
        if let timings {
            set(queueHeader, timings.queue)
            set(inferenceHeader, timings.inference)
        }
        return r
    }

    func record(_ context: SiftRequestContext, _ served: ServedModel, _ endpoint: String, _ texts: [String],
                start: ContinuousClock.Instant, status: Int, answeredBy: [AnswerSource], labels: [String?], scores: [Double?]) async throws {
        guard let audit else { return }
        let entry = AuditEntry(time: Date(), requestID: context.requestID, keyID: context.principal.id, model: served.name,
                               version: served.version, endpoint: endpoint, status: status,
                               latencyMs: (ContinuousClock.now - start).seconds * 1000,
                               answeredBy: answeredBy.map(\.rawValue), labels: labels, scores: scores, texts: texts)
        do {
            try await audit.record(entry)
        } catch {
            // An answer that cannot be put on the record is not given.
            context.logger.error("audit write failed", metadata: ["error": .string("\(error)")])
            throw APIError(.auditUnavailable, "the audit log could not record this request")
        }
    }
}

extension ZeroShotClassifier {
    /// The method a served model supports: NLI for a single-label classifier (which must have an
    /// entailment label), similarity for an embedder.
    init(info: ModelInfo, labels: [String], template: String, multiLabel: Bool) throws {
        let problem: ProblemType? = switch info.task {
        case .singleLabel: .singleLabel
        case .multiLabel: .multiLabel
        case .regression: .regression
        case .embedding: nil
        case .tokenClassification:
            throw InferenceError.unsupportedTask("this model labels tokens (token classification); zero-shot needs an NLI classifier or an embedding model; use /v1/models/\(info.name)/entities")
        }
        try self.init(method: problem == nil ? .embedding : .nli, head: problem.map { (info.labels, $0) }, labels: labels,
                      template: template, multiLabel: multiLabel)
    }
}
