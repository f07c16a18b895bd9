import Foundation
import Logging
import SiftCore
import SiftData
import SiftEngine
import SiftEval
import SiftInference

/// Every knob of `sift train --method setfit`, with SetFit 1.2's defaults (`TrainingArguments`:
/// body batch 16 pairs, 1 epoch, learning rate 2e-5, 10 % warm-up, weight decay 0.01 (`l2_weight`),
/// oversampling; scikit-learn's `LogisticRegression()` head, C = 1).
public struct SetFitOptions: Sendable {
    /// Keep this many training examples per class (seeded); nil uses the whole file.
    public var examplesPerClass: Int? = nil
    public var sampling: PairSampling = .oversampling
    /// Pairs per example and kind (SetFit's `num_iterations`); overrides `sampling`.
    public var numIterations: Int? = nil
    public var epochs = 1
    /// Pairs per optimizer step.
    public var batchSize = 16
    public var learningRate = 2e-5
    public var warmupRatio = 0.1
    public var weightDecay = 0.01
    public var maxGradNorm: Double? = 1.0
    /// Tokens per text; nil: the base folder's (`max_seq_length`, 256 for all-MiniLM-L6-v2).
    public var maxLength: Int? = nil
    public var seed: UInt64 = 42
    /// Inverse L2 strength of the logistic-regression head.
    public var headC = 1.0
    /// False skips contrastive training: the head is fitted on the base model's embeddings
    /// (the frozen-encoder baseline).
    public var trainBody = true
    public var progress = true
    public var progressInterval = 10.0
    public init() {}

    public func validate() throws {
        func bad(_ s: String) throws { throw TrainError.badOption(s) }
        if let n = examplesPerClass, n < 2 { try bad("--examples-per-class must be at least 2 (pairs of the same class are what SetFit learns from)") }
        if let n = numIterations, n < 1 { try bad("--num-iterations must be at least 1") }
        if epochs < 1 { try bad("--epochs must be at least 1") }
        if batchSize < 1 { try bad("--batch-size must be at least 1") }
        if !(learningRate > 0 && learningRate.isFinite) { try bad("--learning-rate must be a positive number") }
        if !(0...1).contains(warmupRatio) { try bad("--warmup must be between 0 and 1") }
        if weightDecay < 0 { try bad("--weight-decay must not be negative") }
        if let m = maxLength, m < 2 { try bad("--max-length must be at least 2 (room for [CLS] and [SEP])") }
        if !(headC > 0 && headC.isFinite) { try bad("--head-c must be a positive number") }
    }
}

/// The few-shot recipe of SetFit (Tunstall et al., 2022): contrastive fine-tuning of a sentence
/// encoder on pairs drawn from a few labeled examples (same class → cosine 1, different → 0),
/// then a logistic-regression head on the tuned embeddings. The output folder is the
/// sentence-transformers body plus `model_head.safetensors` (see `EmbeddingHead`), which
/// predict, eval and serve load like any classifier.
///
/// Data flow: examples (optionally N per class) → pairs (`ContrastivePairSampler`, SetFit's
/// order) → shuffled pair batches → `accumulatePairs` (2B texts in one forward, pooling,
/// cosine loss, backward) → AdamW with warm-up → embeddings of the examples (eval mode) →
/// `LogisticRegression` → folder. A validation set is scored for the report; a test set once.
public final class SetFitTrainer: @unchecked Sendable {
    public struct Figures: Sendable, Equatable {
        public var examples: Int
        public var accuracy: Double?
        public var macroF1: Double?
        public var microF1: Double?
    }

    public struct Summary: Sendable {
        public var examples: Int
        public var pairs: Int
        public var steps: Int
        public var trainLoss: Double?
        public var seconds: Double
        public var validation: Figures?
        public var test: Figures?
    }

    public let options: SetFitOptions
    public let labels: [String]
    public let multiLabel: Bool
    public let bundle: ModelBundle
    public let out: URL
    let base: URL
    let train: LabeledDataset
    let validation: LabeledDataset?
    let test: LabeledDataset?
    public var logger = Logger(label: "sift.train")
    public var makeProgress: @Sendable (_ total: Int, _ style: ProgressReporter.Style) -> ProgressReporter = {
        ProgressReporter(total: $0, style: $1)
    }

    public init(base: URL, train: LabeledDataset, validation: LabeledDataset? = nil, test: LabeledDataset? = nil,
                options: SetFitOptions, out: URL) throws {
        try options.validate()
        self.options = options
        self.base = base
        self.out = out
        labels = train.labelNames
        multiLabel = train.multiLabel
        guard labels.count >= 2 || (multiLabel && labels.count >= 1) else {
            throw TrainError.badInput("the training data has \(labels.count) label(s); SetFit needs at least two classes to make negative pairs")
        }
        let sample = try options.examplesPerClass.map { try FewShotSample.perClass(train, count: $0, seed: options.seed) } ?? train
        if !multiLabel {
            let counts = Dictionary(grouping: sample.examples, by: \.label).mapValues(\.count)
            if let (label, _) = counts.first(where: { $0.value < 2 }) {
                throw TrainError.badInput("label '\(label)' has only one training example; SetFit needs at least two per class (same-class pairs are its positives)")
            }
        }
        if let i = sample.examples.firstIndex(where: { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw TrainError.badInput("training example \(sample.examples[i].line) has an empty text")
        }
        self.train = sample
        self.validation = validation
        self.test = test
        bundle = try ModelBundle(directory: base, maxLength: options.maxLength, withClassifier: false)
    }

    /// Class index of each example (single-label) or label-index sets (multi-label).
    var classIndices: [Int] { train.labelIndices }
    var labelSets: [Set<Int>] {
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        return train.examples.map { Set($0.labels.compactMap { index[$0] }) }
    }

    /// The epoch's pairs in SetFit's sampler order.
    public func pairs() throws -> [ContrastivePair] {
        let sampler = ContrastivePairSampler(sampling: options.sampling, numIterations: options.numIterations)
        return multiLabel ? try sampler.pairs(labelSets: labelSets) : try sampler.pairs(classes: classIndices)
    }

    public func run() throws -> Summary {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let started = Date()
        let texts = train.examples.map(\.text)
        let pairs = try pairs()
        var steps = 0
        var trainLoss: Double?
        if options.trainBody {
            (steps, trainLoss) = try trainBody(pairs: pairs, encodings: bundle.encoder.encode(texts))
        }
        // The head: logistic regression on the (tuned) embeddings of the examples, eval mode.
        let runner = OfflineRunner(bundle: bundle, batchSize: 32)
        let x = try runner.embed(texts).map { $0.map(Double.init) }
        let lr = LogisticRegression(c: options.headC)
        let fitted = try lr.fit(x, multiLabel
            ? .multiHot(labelSets.map { s in labels.indices.map { s.contains($0) } })
            : .classes(classIndices, count: labels.count))
        let head = EmbeddingHead(labels: labels, weight: fitted.weight.map(Float.init), bias: fitted.bias.map(Float.init),
                                 problemType: multiLabel ? .multiLabel : .singleLabel)
        try save(head: head)
        logger.info("head: logistic regression (C \(options.headC)) on \(train.examples.count) embeddings; model saved to \(out.path)")
        let classifier = try EmbeddingClassifier(embedder: bundle.embedder, head: head)
        let val = try validation.map { try score($0, classifier: classifier, runner: runner) }
        if let val { logger.info("validation: \(Self.describe(val))") }
        // The test set comes in only now, once.
        var testFigures: Figures?
        if let test {
            let t = try score(test, classifier: classifier, runner: runner)
            testFigures = t
            logger.info("test set scored once: \(Self.describe(t))")
            try writeTestMetrics(t)
        }
        return Summary(examples: train.examples.count, pairs: pairs.count, steps: steps, trainLoss: trainLoss,
                       seconds: Date().timeIntervalSince(started), validation: val, test: testFigures)
    }

    /// Contrastive training of the encoder. Returns (optimizer steps, mean loss).
    func trainBody(pairs: [ContrastivePair], encodings: [EncodedText]) throws -> (Int, Double) {
        let model = bundle.model
        let update = ParameterUpdate(model: model, trainable: TrainableParts(pooler: false),
                                     weightDecay: Float(options.weightDecay), maxGradNorm: options.maxGradNorm.map(Float.init))
        let stepsPerEpoch = (pairs.count + options.batchSize - 1) / options.batchSize
        let schedule = LRSchedule(kind: .linear, warmupRatio: options.warmupRatio, totalSteps: stepsPerEpoch * options.epochs)
        var rates = DropoutRates(config: model.config)
        rates.classifier = 0
        let log = try TrainingLog(url: out.appendingPathComponent("training_log.jsonl"), append: false)
        let progress = makeProgress(stepsPerEpoch * options.epochs, options.progress ? .automatic(interval: options.progressInterval) : .off)
        logger.info("SetFit body: \(encodings.count) examples, \(pairs.count) pairs per epoch (\(options.numIterations.map { "\($0) iterations" } ?? options.sampling.rawValue)), \(stepsPerEpoch * options.epochs) steps of \(options.batchSize) pairs, max length \(bundle.maxLength)")
        var step = 0, lossSum = 0.0, seen = 0
        for epoch in 0..<options.epochs {
            var order = Array(pairs.indices)
            var rng = SeededGenerator(seed: options.seed &+ UInt64(epoch))
            order.seededShuffle(using: &rng)
            for start in stride(from: 0, to: order.count, by: options.batchSize) {
                let idx = order[start..<min(order.count, start + options.batchSize)].map { pairs[$0] }
                let drop = rates.isZero ? nil : Dropout(rates: rates, seed: Dropout.seed(run: options.seed, step: step))
                let loss = try update.accumulatePairs(idx.map { encodings[$0.first] }, idx.map { encodings[$0.second] },
                                                      labels: idx.map(\.label), pooling: bundle.pooling,
                                                      normalize: bundle.normalize, dropout: drop)
                let lr = options.learningRate * schedule.multiplier(step)
                let norm = update.apply(lr: Float(lr))
                step += 1; seen += idx.count; lossSum += loss * Double(idx.count)
                log.write(["type": "step", "epoch": epoch + 1, "step": step, "loss": loss, "lr": lr, "grad_norm": Double(norm), "pairs": idx.count])
                progress.update(step: step, loss: loss, examples: seen, context: "SetFit epoch \(epoch + 1)/\(options.epochs)")
            }
        }
        progress.finish()
        return (step, lossSum / Double(max(seen, 1)))
    }

    func score(_ d: LabeledDataset, classifier: EmbeddingClassifier, runner: OfflineRunner) throws -> Figures {
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let predictions = try runner.classify(d.examples.map(\.text), with: classifier)
        if multiLabel {
            let ev = MultiLabelEvaluation.compute(yTrue: d.examples.map { ex in labels.map { ex.labels.contains($0) } },
                                                  scores: predictions.map { $0.scores.map(Double.init) }, labels: labels)
            return Figures(examples: d.examples.count, accuracy: nil, macroF1: ev.macro.f1, microF1: ev.micro.f1)
        }
        let yTrue = try d.examples.map { ex -> Int in
            guard let i = index[ex.label] else {
                throw TrainError.badInput("\(ex.source ?? "evaluation data") line \(ex.line): label '\(ex.label)' is not among the training labels (\(labels.joined(separator: ", ")))")
            }
            return i
        }
        let ev = SingleLabelEvaluation.compute(yTrue: yTrue, probabilities: predictions.map { $0.scores.map(Double.init) }, labels: labels)
        return Figures(examples: d.examples.count, accuracy: ev.accuracy, macroF1: ev.macro.f1, microF1: ev.micro.f1)
    }

    static func describe(_ f: Figures) -> String {
        var parts = ["\(f.examples) examples"]
        if let a = f.accuracy { parts.append(String(format: "accuracy %.4f", a)) }
        if let m = f.macroF1 { parts.append(String(format: "macro-F1 %.4f", m)) }
        if let m = f.microF1, f.accuracy == nil { parts.append(String(format: "micro-F1 %.4f", m)) }
        return parts.joined(separator: ", ")
    }

    public var testMetricsURL: URL { out.appendingPathComponent("test_metrics.json") }

    func writeTestMetrics(_ t: Figures) throws {
        var object: [String: Any] = ["examples": t.examples, "method": "setfit", "note": "scored once, after training"]
        if let a = t.accuracy { object["accuracy"] = a }
        if let f = t.macroF1 { object["macro_f1"] = f }
        if let f = t.microF1 { object["micro_f1"] = f }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicWriter.write(data, to: testMetricsURL)
    }

    /// The folder: config.json (the commit record) removed first, then tokenizer files,
    /// sentence-transformers modules, the head, and `BertModel.save` (weights, config.json last).
    /// A kill at any point leaves a folder that does not load, never a mix.
    func save(head: EmbeddingHead) throws {
        AtomicWriter.removeStaleTemporaries(in: out)
        try AtomicWriter.remove(out.appendingPathComponent("config.json"))
        let fm = FileManager.default
        for name in ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            let src = base.appendingPathComponent(name), dst = out.appendingPathComponent(name)
            if fm.fileExists(atPath: src.path) { try AtomicWriter.write(Data(contentsOf: src), to: dst) } else { try AtomicWriter.remove(dst) }
        }
        try SentenceTransformersConfig(pooling: bundle.pooling, normalize: bundle.normalize)
            .write(directory: out, dimension: bundle.model.config.hiddenSize, maxSeqLength: bundle.maxLength)
        try head.write(directory: out)
        try bundle.model.save(directory: out)
    }
}

/// Picking the few labeled examples: `count` per class, drawn with the run's seed.
public enum FewShotSample {
    /// Single-label: `count` examples of each class (all of a class that has fewer). Multi-label:
    /// for each label in turn, examples carrying it until it has `count` (an example counts for
    /// every label it carries). Input order is kept.
    public static func perClass(_ d: LabeledDataset, count: Int, seed: UInt64) throws -> LabeledDataset {
        var order = Array(d.examples.indices)
        var rng = SeededGenerator(seed: seed)
        order.seededShuffle(using: &rng)
        var chosen = Set<Int>()
        if d.multiLabel {
            var have: [String: Int] = [:]
            for label in d.labelNames {
                for i in order where (have[label] ?? 0) < count && d.examples[i].labels.contains(label) && !chosen.contains(i) {
                    chosen.insert(i)
                    for l in d.examples[i].labels { have[l, default: 0] += 1 }
                }
            }
        } else {
            var have: [String: Int] = [:]
            for i in order where have[d.examples[i].label, default: 0] < count {
                chosen.insert(i); have[d.examples[i].label, default: 0] += 1
            }
        }
        let kept = d.examples.indices.filter(chosen.contains).map { d.examples[$0] }
        return LabeledDataset(examples: kept, labelNames: d.labelNames, multiLabel: d.multiLabel, skipped: d.skipped)
    }
}
