import Foundation
import SiftInference

/// Turns a validated, encoded classify request into per-text answers: the model through its
/// batcher when it can answer in time, else the model's fallback rules, else an error. Kept free
/// of HTTP so the fallback policy reads in one place.
struct Inference: Sendable {
    let timeout: Duration
    let metrics: ServerMetrics

    struct Answer {
        var results: [TextResult]
        /// Where the time went, when the model answered (nil: rules only).
        var timings: PhaseTimings?
        /// How long the explanations took, when asked for and the model answered.
        var explain: Duration? = nil
    }

    /// `encoded`: the request's texts, tokenized once by the caller (nil when the model failed to
    /// load); with `windows`, each text's count of consecutive encodings (a long text's windows),
    /// whose results are combined by `aggregation`. With `explain`, each answer of the model is
    /// then explained, one text at a time on the model's own queue, within the request timeout.
    func classify(_ served: ServedModel, _ req: ClassifyRequest, _ encoded: DynamicBatcher.Encoded?,
                  windows: [Int]? = nil, aggregation: WindowAggregation = .mean, explain: ExplainOptions? = nil) async throws -> Answer {
        guard let batcher = served.batcher, let info = served.info, let encoded else {
            // Failed to load: only rules can answer.
            return try rulesOrThrow(served, req.texts, reason: "load_failed",
                                    APIError(.modelUnavailable,
                                             "model '\(served.name)' failed to load and has no fallback rules"))
        }
        let answer: DynamicBatcher.Answer<[Classification]>
        do {
            answer = try await withTimeout(timeout) { try await batcher.classify(encoded) }
        } catch BatchQueueError.queueFull {
            throw APIError(.overloaded, "model '\(served.name)' has a full queue; retry later", retryAfter: 1)
        } catch BatchQueueError.stopped {
            throw APIError(.reloading, "model '\(served.name)' is being reloaded; retry", retryAfter: 1)
        } catch is TimeoutError {
            return try rulesOrThrow(served, req.texts, reason: "timeout",
                                    APIError.limit(.requestTimeoutMs,
                                                   "inference took longer than \(timeout) and the model has no fallback rules"))
        } catch {
            return try rulesOrThrow(served, req.texts, reason: "error",
                                    APIError(.inferenceError, "inference failed: \(error)"))
        }
        metrics.phases(model: served.name, endpoint: "classify", answer.timings)
        var outputs = answer.output
        if let windows {
            var combined: [Classification] = []
            var k = 0
            for n in windows {
                combined.append(Classification.combine(Array(outputs[k..<(k + n)]), aggregation))
                k += n
            }
            outputs = combined
        }
        var results: [TextResult] = []
        var lowScore = 0
        for (i, out) in outputs.enumerated() {
            var r = Self.result(out, info: info, req: req)
            if let rules = served.rules, let floor = rules.belowScore, let s = r.score, info.task != .regression, s < floor {
                r = Self.rulesResult(rules, req.texts[i])
                lowScore += 1
            }
            results.append(r)
        }
        if lowScore > 0 { metrics.fallback(model: served.name, reason: "low_score", texts: lowScore) }
        guard let explain else { return Answer(results: results, timings: answer.timings) }
        let started = ContinuousClock.now
        results = try await explained(results, texts: req.texts, model: batcher.model, options: explain)
        return Answer(results: results, timings: answer.timings, explain: ContinuousClock.now - started)
    }

    /// Each model answer with its explanation, for the label it gave. One text at a time, so
    /// other requests' forward passes run between them; a timeout stops the ones not yet begun.
    private func explained(_ results: [TextResult], texts: [String], model: any ServableModel,
                           options: ExplainOptions) async throws -> [TextResult] {
        let labels = model.info.labels
        let jobs: [(Int, ExplainOptions)] = results.indices.compactMap { i in
            guard results[i].answeredBy == .model else { return nil }
            var o = options
            o.target = results[i].label.flatMap { labels.firstIndex(of: $0) }
            return (i, o)
        }
        let explanations: [Int: Explanation]
        do {
            explanations = try await withTimeout(timeout) {
                var out: [Int: Explanation] = [:]
                for (i, o) in jobs {
                    try Task.checkCancellation()
                    out[i] = try await model.explain(texts[i], options: o)
                }
                return out
            }
        } catch is TimeoutError {
            throw APIError.limit(.requestTimeoutMs, "explanations took longer than \(timeout)")
        } catch InferenceError.unsupportedTask(let why) {
            throw APIError(.unsupportedTask, why)
        } catch {
            throw APIError(.inferenceError, "explanation failed: \(error)")
        }
        var out = results
        for (i, x) in explanations { out[i].explanation = ExplanationResult(x) }
        return out
    }

    /// Per-token scores of an entity request's windows through the model's queue (no rules).
    func entities(_ served: ServedModel, _ encoded: DynamicBatcher.Encoded) async throws -> DynamicBatcher.Answer<[TokenScores]> {
        try await modelOnly(served, endpoint: "entities") { try await $0.classifyTokens(encoded) }
    }

    func embed(_ served: ServedModel, _ encoded: DynamicBatcher.Encoded?) async throws -> DynamicBatcher.Answer<[[Float]]> {
        guard let encoded else { throw APIError(.modelUnavailable, "model '\(served.name)' failed to load") }
        return try await modelOnly(served, endpoint: "embed") { try await $0.embed(encoded) }
    }

    /// Zero-shot through the model's queue, no rules fallback (rules know only their own labels):
    /// NLI pairs as one classify submission (their logits), or texts and label descriptions as
    /// one embed submission.
    func zeroShot(_ served: ServedModel, _ zs: ZeroShotClassifier, texts: [String], _ encoded: DynamicBatcher.Encoded)
        async throws -> (results: [ZeroShotResult], timings: PhaseTimings) {
        switch zs.method {
        case .nli:
            let a = try await modelOnly(served, endpoint: "zero-shot") { try await $0.classify(encoded) }
            return (zs.results(pairLogits: a.output.map(\.logits), texts: texts.count), a.timings)
        case .embedding:
            let a = try await modelOnly(served, endpoint: "zero-shot") { try await $0.embed(encoded) }
            let vectors = a.output
            return (zs.results(textVectors: Array(vectors[..<texts.count]), labelVectors: Array(vectors[texts.count...])), a.timings)
        }
    }

    /// Runs `op` on the model's batcher under the request timeout, mapping the queue's errors.
    private func modelOnly<T: Sendable>(_ served: ServedModel, endpoint: String,
                                        _ op: @escaping @Sendable (DynamicBatcher) async throws -> DynamicBatcher.Answer<T>)
        async throws -> DynamicBatcher.Answer<T> {
        guard let batcher = served.batcher else {
            throw APIError(.modelUnavailable, "model '\(served.name)' failed to load")
        }
        do {
            let answer = try await withTimeout(timeout) { try await op(batcher) }
            metrics.phases(model: served.name, endpoint: endpoint, answer.timings)
            return answer
        } catch let error as APIError {
            throw error
        } catch BatchQueueError.queueFull {
            throw APIError(.overloaded, "model '\(served.name)' has a full queue; retry later", retryAfter: 1)
        } catch BatchQueueError.stopped {
            throw APIError(.reloading, "model '\(served.name)' is being reloaded; retry", retryAfter: 1)
        } catch is TimeoutError {
            throw APIError.limit(.requestTimeoutMs, "inference took longer than \(timeout)")
        } catch {
            throw APIError(.inferenceError, "inference failed: \(error)")
        }
    }

    private func rulesOrThrow(_ served: ServedModel, _ texts: [String], reason: String, _ otherwise: APIError) throws -> Answer {
        guard let rules = served.rules else { throw otherwise }
        metrics.fallback(model: served.name, reason: reason, texts: texts.count)
        return Answer(results: texts.map { Self.rulesResult(rules, $0) })
    }

    static func rulesResult(_ rules: RuleSet, _ text: String) -> TextResult {
        let (label, rule) = rules.answer(text)
        return TextResult(label: label, score: nil, labels: label.map { [$0] }, scores: nil, logits: nil,
                          answeredBy: .rules, rule: rule)
    }

    /// Shapes one model output by the request's `top_k`, `threshold` and `raw_scores`.
    static func result(_ out: Classification, info: ModelInfo, req: ClassifyRequest) -> TextResult {
        let labels = info.labels
        let n = min(labels.count, out.scores.count)
        let order = (0..<n).sorted { out.scores[$0] > out.scores[$1] }
        var r = TextResult(answeredBy: .model)
        if info.task == .regression {
            r.score = out.scores.first.map(Double.init)
        } else if let top = order.first {
            r.label = labels[top]
            r.score = Double(out.scores[top])
            let cut = req.threshold ?? (info.task == .multiLabel ? 0.5 : nil)
            if let cut {
                r.labels = order.filter { Double(out.scores[$0]) >= cut }.map { labels[$0] }
            } else {
                r.labels = [labels[top]]
            }
        }
        let kept = order.prefix(req.topK ?? n)
        r.scores = Dictionary(uniqueKeysWithValues: kept.map { (labels[$0], Double(out.scores[$0])) })
        if req.rawScores {
            r.logits = Dictionary(uniqueKeysWithValues: (0..<min(n, out.logits.count)).map { (labels[$0], Double(out.logits[$0])) })
        }
        return r
    }
}

struct TimeoutError: Error {}

/// Runs `op`, giving up (and cancelling it) after `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ op: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await op() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimeoutError() }
        return first
    }
}
