import Foundation
import SiftData
import SiftEngine
import SiftEval
import SiftInference
import SiftTokenizers

/// Fine-tunes a Hugging Face BERT folder into a `BertForSequenceClassification` folder.
///
/// Data flow: texts → tokenizer (once) → seeded, length-bucketed batches → packed forward
/// (recording, with dropout) → loss → hand-written backward into the gradient buffer → clip → AdamW with the
/// warm-up schedule; after each epoch an evaluation on the held-out set picks the best model
/// (saved to `out`) and drives early stopping; a resumable checkpoint goes to `out/checkpoint`.
public final class Trainer: @unchecked Sendable {
    public struct EpochResult: Sendable, Equatable {
        public var epoch: Int
        public var trainLoss: Double
        public var evalLoss: Double
        public var accuracy: Double?
        public var macroF1: Double?
        public var microF1: Double?
        public var metric: Double
        public var examplesPerSecond: Double
    }

    public struct Summary: Sendable {
        public var epochs: [EpochResult]
        public var bestEpoch: Int?
        public var best: Double?
        public var stoppedEarly: Bool
    }

    public let options: TrainingOptions
    public let labels: [String]
    public let multiLabel: Bool
    public let model: BertModel
    public let out: URL
    let base: URL
    let tokenizer: Tokenizer
    let train: Encoded
    let eval: Encoded
    /// Stop (as if interrupted) after this many epochs in total; the checkpoint allows resuming.
    public var stopAfterEpochs: Int?
    /// Called after each epoch (the CLI prints a line; tests observe).
    public var onEpoch: (@Sendable (EpochResult) -> Void)?

    struct Encoded {
        var ids: [[Int32]]
        var types: [[Int32]]
        var classes: [Int]       // single-label
        var multiHot: [[Double]] // multi-label
        var count: Int { ids.count }
    }

    /// Tokenizes both sets and builds the classifier from `base` (encoder weights copied by name;
    /// pooler, if absent, and classifier initialized as transformers does: N(0, initializer_range),
    /// zero bias, from `options.seed`).
    public init(base: URL, train: LabeledDataset, eval: LabeledDataset, options: TrainingOptions, out: URL) throws {
        try options.validate()
        self.options = options
        self.base = base
        self.out = out
        labels = train.labelNames
        multiLabel = train.multiLabel
        guard labels.count >= (multiLabel ? 1 : 2) else {
            throw TrainError.badInput("the training data has \(labels.count) label(s) (\(labels.joined(separator: ", "))); a classifier needs at least two")
        }
        let tok = try Tokenizer(directory: base)
        tokenizer = tok
        model = try Self.makeClassifier(base: base, labels: labels, multiLabel: multiLabel, seed: options.seed,
                                        configure: options.applyDropout)
        guard options.maxLength <= model.config.maxPositionEmbeddings else {
            throw TrainError.badOption("--max-length \(options.maxLength) exceeds the model's max_position_embeddings \(model.config.maxPositionEmbeddings)")
        }
        var opt = EncodeOptions()
        opt.maxLength = options.maxLength
        let names = train.labelNames, multi = train.multiLabel
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        func encode(_ d: LabeledDataset) -> Encoded {
            let pairs = d.examples.contains { $0.textPair != nil } ? d.examples.map { $0.textPair ?? "" } : nil
            let enc = tok.encodeBatch(d.examples.map(\.text), pairs: pairs, options: opt)
            return Encoded(ids: enc.map(\.ids), types: enc.map(\.typeIds),
                           classes: multi ? [] : d.examples.map { index[$0.label] ?? 0 },
                           multiHot: multi ? d.examples.map { ex in names.map { ex.labels.contains($0) ? 1 : 0 } } : [])
        }
        self.train = encode(train)
        self.eval = encode(eval)
        do { try dropoutRates.validate() } catch {
            throw TrainError.badOption("\(base.appendingPathComponent("config.json").path): \(error.localizedDescription)")
        }
    }

    /// A `BertForSequenceClassification` from a base folder: encoder (and pooler) weights copied
    /// by name; missing pooler and the classifier initialized as transformers does
    /// (N(0, initializer_range) weights, zero biases), seeded. `configure` edits the config
    /// (the trainer's dropout overrides).
    public static func makeClassifier(base: URL, labels: [String], multiLabel: Bool, seed: UInt64,
                                      configure: (inout BertConfig) -> Void = { _ in }) throws -> BertModel {
        let baseModel = try BertModel.load(directory: base, withClassifier: false)
        var cfg = baseModel.config
        configure(&cfg)
        cfg.id2label = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0, $1) })
        cfg.label2id = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        cfg.problemType = multiLabel ? .multiLabel : .singleLabel
        cfg.architectures = ["BertForSequenceClassification"]
        let model = BertModel(config: cfg, withPooler: true, numLabels: labels.count)
        var rng = SeededGenerator(seed: seed)
        for e in model.layout.entries {
            let dst = model.parameters.base + e.offset
            if let src = baseModel.parameters[e.name] {
                dst.update(from: src.baseAddress!, count: e.count)
            } else if e.name.hasSuffix(".bias") {
                dst.update(repeating: 0, count: e.count)
            } else {
                for i in 0..<e.count { dst[i] = Float(Self.normal(&rng)) * cfg.initializerRange }
            }
        }
        return model
    }

    static func normal(_ rng: inout SeededGenerator) -> Double {
        let u1 = max(Double.leastNonzeroMagnitude, Double(rng.next() >> 11) / Double(1 << 53))
        let u2 = Double(rng.next() >> 11) / Double(1 << 53)
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    var checkpointDir: URL { out.appendingPathComponent("checkpoint") }
    public var logURL: URL { out.appendingPathComponent("training_log.jsonl") }

    func makeLoss() -> any TrainingLoss {
        if multiLabel { return BCEWithLogitsLoss() }
        let w = options.classWeights.map { cw in labels.map { cw[$0] ?? 1 } }
        switch options.loss {
        case .crossEntropy: return CrossEntropyLoss(classWeights: w, labelSmoothing: options.labelSmoothing)
        case .focal: return FocalLoss(gamma: options.focalGamma, alpha: w)
        }
    }

    func targets(_ d: Encoded, _ idx: [Int]) -> LossTargets {
        multiLabel ? .values(idx.flatMap { d.multiHot[$0] }) : .classes(idx.map { d.classes[$0] })
    }

    /// Dropout of the training forward: the model's config.json rates (with the options'
    /// overrides already applied to it).
    public var dropoutRates: DropoutRates { DropoutRates(config: model.config) }

    /// Dropout for micro-batch `micro` of optimizer step `step`: seeded by `--seed` and the step,
    /// so a resumed run draws the masks an uninterrupted one would. Head-only keeps only the
    /// classifier's rate (its encoder features come from an eval-mode forward).
    func dropout(step: Int, micro: Int) -> Dropout? {
        var rates = dropoutRates
        if options.mode == .headOnly { rates.hidden = 0; rates.attention = 0 }
        if rates.isZero { return nil }
        return Dropout(rates: rates, seed: Dropout.seed(run: options.seed, step: step, microBatch: micro))
    }

    func trainable() -> TrainableParts {
        switch options.mode {
        case .full: return .all
        case .freeze(let k): return .freezing(layers: k)
        case .headOnly: return TrainableParts(embeddings: false, firstTrainableLayer: model.config.numHiddenLayers, pooler: false)
        }
    }

    /// Trains; with `resume`, continues from `out/checkpoint` (parameters, AdamW moments, epoch).
    public func run(resume: Bool = false) throws -> Summary {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let opt = Optimization(model: model, loss: makeLoss(), trainable: trainable(),
                               weightDecay: Float(options.weightDecay), maxGradNorm: options.maxGradNorm.map(Float.init))
        var state = Checkpoint.State(epochsDone: 0, globalStep: 0, adamStep: 0, best: nil, bestEpoch: nil, badEpochs: 0, labels: labels)
        if resume {
            state = try Checkpoint.load(from: checkpointDir, model: model, optimizer: opt.optimizer)
            guard state.labels == labels else {
                throw TrainError.badCheckpoint("\(checkpointDir.path) was trained on labels \(state.labels), this data has \(labels)")
            }
        }
        let log = try TrainingLog(url: logURL, append: resume)
        let lengths = train.ids.map(\.count)
        let batchesPerEpoch = (train.count + options.batchSize - 1) / options.batchSize
        let stepsPerEpoch = (batchesPerEpoch + options.gradientAccumulation - 1) / options.gradientAccumulation
        let schedule = LRSchedule(kind: options.schedule, warmupRatio: options.warmupRatio, totalSteps: stepsPerEpoch * options.epochs)

        // Head-only: the frozen encoder embeds every text once.
        var trainFeatures: [Float] = [], evalFeatures: [Float] = []
        if options.mode == .headOnly {
            trainFeatures = try pooledFeatures(train)
            evalFeatures = try pooledFeatures(eval)
        }

        var results: [EpochResult] = []
        var stoppedEarly = false
        let bar = ProgressBar(total: stepsPerEpoch * (options.epochs - state.epochsDone), enabled: options.progress)
        var seen = 0, barStep = 0
        for epoch in state.epochsDone..<options.epochs {
            let started = Date()
            let batches = Batching.epochBatches(lengths: lengths, batchSize: options.batchSize, seed: options.seed, epoch: epoch)
            var lossSum = 0.0, lossCount = 0, stepLoss = 0.0, inStep = 0
            for (bi, idx) in batches.enumerated() {
                let groupStart = bi - bi % options.gradientAccumulation
                let groupSize = min(options.gradientAccumulation, batches.count - groupStart)
                let scale = 1 / Double(groupSize)
                let drop = dropout(step: state.globalStep, micro: inStep)
                let l: Double
                if options.mode == .headOnly {
                    l = try trainFeatures.withUnsafeBufferPointer { f in
                        try opt.accumulateHead(features: f.baseAddress!, rows: idx, targets: targets(train, idx), scale: scale,
                                               dropout: drop)
                    }
                } else {
                    let batch = try PackedBatch(sequences: idx.map { train.ids[$0] }, typeIds: idx.map { train.types[$0] })
                    l = try opt.accumulate(batch, targets: targets(train, idx), scale: scale, dropout: drop)
                }
                lossSum += l * Double(idx.count); lossCount += idx.count; seen += idx.count
                stepLoss += l * scale; inStep += 1
                if inStep == groupSize {
                    let lr = options.learningRate * schedule.multiplier(state.globalStep)
                    let norm = opt.apply(lr: Float(lr))
                    state.globalStep += 1; barStep += 1
                    log.write(["type": "step", "epoch": epoch + 1, "step": state.globalStep, "loss": stepLoss,
                               "lr": lr, "grad_norm": Double(norm)])
                    bar.update(step: barStep, epoch: epoch + 1, epochs: options.epochs, loss: stepLoss, examples: seen)
                    stepLoss = 0; inStep = 0
                }
            }
            let seconds = Date().timeIntervalSince(started)
            let ev = try evaluate(eval, features: options.mode == .headOnly ? evalFeatures : nil, loss: opt.loss)
            let metric: Double = switch options.metric {
            case .accuracy: ev.accuracy ?? 0
            case .macroF1: ev.macroF1 ?? 0
            case .microF1: ev.microF1 ?? 0
            case .loss: ev.loss
            }
            let r = EpochResult(epoch: epoch + 1, trainLoss: lossSum / Double(max(1, lossCount)), evalLoss: ev.loss,
                                accuracy: ev.accuracy, macroF1: ev.macroF1, microF1: ev.microF1, metric: metric,
                                examplesPerSecond: Double(train.count) / max(seconds, 1e-9))
            results.append(r)
            var entry: [String: Any] = ["type": "eval", "epoch": epoch + 1, "step": state.globalStep, "train_loss": r.trainLoss,
                                        "eval_loss": r.evalLoss, "metric": options.metric.rawValue, "value": metric,
                                        "examples_per_second": r.examplesPerSecond]
            if let a = ev.accuracy { entry["accuracy"] = a }
            if let f = ev.macroF1 { entry["macro_f1"] = f }
            if let f = ev.microF1 { entry["micro_f1"] = f }
            let improved = state.best.map { options.metric.higherIsBetter ? metric > $0 : metric < $0 } ?? true
            entry["best"] = improved
            log.write(entry)
            if improved {
                state.best = metric; state.bestEpoch = epoch + 1; state.badEpochs = 0
                try saveModel()
            } else {
                state.badEpochs += 1
            }
            state.epochsDone = epoch + 1
            state.adamStep = opt.optimizer.step
            try Checkpoint.save(to: checkpointDir, model: model, optimizer: opt.optimizer, state: state)
            onEpoch?(r)
            if let s = stopAfterEpochs, epoch + 1 >= s { break }
            if let p = options.patience, state.badEpochs >= p, epoch + 1 < options.epochs {
                stoppedEarly = true
                log.write(["type": "early_stop", "epoch": epoch + 1, "patience": p])
                break
            }
        }
        bar.finish()
        return Summary(epochs: results, bestEpoch: state.bestEpoch, best: state.best, stoppedEarly: stoppedEarly)
    }

    /// Writes the Hugging Face folder: config.json + model.safetensors (each via a temporary
    /// name and a rename) and the base model's tokenizer files.
    func saveModel() throws {
        try model.save(directory: out)
        let fm = FileManager.default
        for name in ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            let src = base.appendingPathComponent(name)
            guard fm.fileExists(atPath: src.path) else { continue }
            let dst = out.appendingPathComponent(name), tmp = out.appendingPathComponent(".\(name).tmp-\(getpid())")
            try? fm.removeItem(at: tmp)
            try fm.copyItem(at: src, to: tmp)
            if rename(tmp.path, dst.path) != 0 { try? fm.removeItem(at: tmp); throw TrainError.badOption("cannot write \(dst.path)") }
        }
    }

    /// Pooled outputs [n, C] of the frozen encoder, through the pipeline's encodings entry
    /// (batches sorted by length, bounded tokens per forward), in input order.
    func pooledFeatures(_ d: Encoded) throws -> [Float] {
        let encodings = zip(d.ids, d.types).map { EncodedText(ids: $0, typeIds: $1) }
        return try OfflineRunner.forward(encodings, model: model, rows: .pooled, batchSize: options.batchSize)
    }

    struct Evaluation { var loss: Double; var accuracy: Double?; var macroF1: Double?; var microF1: Double? }

    /// Loss and metrics on a held-out set (inference mode).
    func evaluate(_ d: Encoded, features: [Float]?, loss: any TrainingLoss) throws -> Evaluation {
        let L = labels.count, C = model.config.hiddenSize
        guard d.count > 0 else { return Evaluation(loss: 0) }
        var logits = [Float](repeating: 0, count: d.count * L)
        if let features {
            let p = model.parameters
            features.withUnsafeBufferPointer { f in
                logits.withUnsafeMutableBufferPointer { o in
                    for r in 0..<d.count { for k in 0..<L { o[r * L + k] = p["classifier.bias"]![k] } }
                    BLAS.sgemm(transA: false, transB: true, m: d.count, n: L, k: C, a: f.baseAddress!, lda: C,
                               b: p["classifier.weight"]!.baseAddress!, ldb: C, beta: 1, c: o.baseAddress!, ldc: L)
                }
            }
        } else {
            let encodings = zip(d.ids, d.types).map { EncodedText(ids: $0, typeIds: $1) }
            logits = try OfflineRunner.forward(encodings, model: model, rows: .logits, batchSize: options.batchSize)
        }
        let all = Array(0..<d.count)
        let lossValue = logits.withUnsafeBufferPointer {
            loss.compute(logits: $0.baseAddress!, targets: targets(d, all), B: d.count, K: L, dlogits: nil, scale: 1)
        }
        if multiLabel {
            let scores = (0..<d.count).map { r in (0..<L).map { 1 / (1 + Foundation.exp(-Double(logits[r * L + $0]))) } }
            let ev = MultiLabelEvaluation.compute(yTrue: d.multiHot.map { $0.map { $0 > 0.5 } }, scores: scores, labels: labels)
            return Evaluation(loss: lossValue, microF1: ev.micro.f1, macroF1Value: ev.macro.f1)
        }
        let probs = (0..<d.count).map { r in
            SequenceClassifier.scores(Array(logits[(r * L)..<((r + 1) * L)]), .singleLabel).map(Double.init)
        }
        let ev = SingleLabelEvaluation.compute(yTrue: d.classes, probabilities: probs, labels: labels)
        return Evaluation(loss: lossValue, accuracy: ev.accuracy, macroF1: ev.macro.f1, microF1: ev.micro.f1)
    }
}

extension Trainer.Evaluation {
    init(loss: Double) { self.init(loss: loss, accuracy: nil, macroF1: nil, microF1: nil) }
    init(loss: Double, microF1: Double, macroF1Value: Double) {
        self.init(loss: loss, accuracy: nil, macroF1: macroF1Value, microF1: microF1)
    }
}
