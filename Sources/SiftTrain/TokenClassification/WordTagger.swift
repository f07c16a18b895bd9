import SiftEngine
import SiftEval
import SiftInference

/// Tags sentences word by word with a token-classification model, as transformers' run_ner.py
/// evaluates: each word takes the label of its first sub-token (a word cut off by truncation is
/// O), then the sentences are scored entity by entity (seqeval's rules, `EntityReport`). Used by
/// the trainer's validation and test, and by `sift eval` on a token-classification folder.
public struct WordTagger {
    public let model: BertModel
    public let labels: [String]
    public let batchSize: Int

    public init(model: BertModel, labels: [String], batchSize: Int = 32) {
        self.model = model; self.labels = labels; self.batchSize = batchSize
    }

    public struct Result: Sendable {
        /// Mean cross-entropy over the labeled tokens (class-weighted as the loss is).
        public var loss: Double
        public var report: EntityReport
        /// Per sentence, per word.
        public var predicted: [[String]]
    }

    public func evaluate(_ d: TokenTrainingData, mode: EntityEvaluationMode = .lenient,
                         loss: CrossEntropyLoss = CrossEntropyLoss()) throws -> Result {
        let classifier = try TokenClassifier(model: model)
        let acts = model.makeActivations()
        var predicted: [[String]] = [], gold: [[String]] = []
        var lossSum = 0.0, weightSum = 0.0
        let L = labels.count
        for start in stride(from: 0, to: d.items.count, by: batchSize) {
            let chunk = Array(d.items[start..<min(d.items.count, start + batchSize)])
            let scores = try classifier.predict(PackedBatch(sequences: chunk.map(\.ids), typeIds: chunk.map(\.typeIds)), acts: acts)
            for (item, s) in zip(chunk, scores) {
                predicted.append(item.firstToken.map { t in t.map { labels[EntityGrouper.argmax(s.row($0))] } ?? "O" })
                gold.append(item.tags)
                let rows = item.labels.indices.filter { item.labels[$0] != ParameterUpdate.ignoredLabel }
                guard !rows.isEmpty else { continue }
                let z = rows.flatMap { s.logits[($0 * L)..<(($0 + 1) * L)] }
                let w = rows.map { loss.classWeights?[item.labels[$0]] ?? 1 }.reduce(0, +)
                let mean = z.withUnsafeBufferPointer {
                    loss.compute(logits: $0.baseAddress!, targets: .classes(rows.map { item.labels[$0] }), B: rows.count, K: L, dlogits: nil, scale: 1)
                }
                lossSum += mean * w; weightSum += w
            }
        }
        let report = try EntityReport.compute(yTrue: gold, yPred: predicted, mode: mode)
        return Result(loss: weightSum > 0 ? lossSum / weightSum : 0, report: report, predicted: predicted)
    }
}
