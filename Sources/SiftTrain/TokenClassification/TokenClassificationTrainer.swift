import Foundation
import Logging
import SiftCore
import SiftData
import SiftEngine
import SiftEval
import SiftInference
import SiftTokenizers

/// Fine-tunes a BERT folder into a `BertForTokenClassification` folder (`sift train --task
/// token-classification`).
///
/// Data flow: tagged words or entity spans → tokens with a label on each word's first sub-token
/// (`TokenTrainingData`) → seeded, length-bucketed batches → packed forward with dropout →
/// the classifier on every token → cross-entropy over the labeled tokens (class weights
/// optional) → backward → AdamW. After each epoch the validation set is tagged (each word takes
/// its first sub-token's label) and scored entity by entity as seqeval does; its micro-F1 picks
/// the saved model and drives early stopping. A test set is scored once, at the end, with the
/// selected model.
public final class TokenClassificationTrainer: @unchecked Sendable {
    public struct EpochResult: Sendable {
        public var epoch: Int
        public var trainLoss: Double
        public var evalLoss: Double
        public var report: EntityReport
        public var examplesPerSecond: Double
        /// The selection value: entity micro-F1, or the validation loss with `--metric loss`.
        public var metric: Double
    }

    public struct Summary: Sendable {
        public var epochs: [EpochResult]
        public var bestEpoch: Int?
        public var best: Double?
        public var stoppedEarly: Bool
        public var test: EntityReport?
    }

    public let options: TrainingOptions
    public let labelAllTokens: Bool
    /// How validation and test entities are scored (seqeval's default mode, or strict).
    public let evaluationMode: EntityEvaluationMode
    public let labels: [String]
    public let model: BertModel
    public let head: TokenClassificationHead
    public let out: URL
    let base: URL
    let train: TokenTrainingData
    let eval: TokenTrainingData
    let test: TokenTrainingData?
    public var stopAfterEpochs: Int?
    public var onEpoch: (@Sendable (EpochResult) -> Void)?
    public var logger = Logger(label: "sift.train")
    public var makeProgress: @Sendable (_ total: Int, _ style: ProgressReporter.Style) -> ProgressReporter = {
        ProgressReporter(total: $0, style: $1)
    }

    /// - Parameters:
    ///   - labels: nil builds them from the training data (`O`, then B-/I- per type, sorted), or
    ///     takes the base folder's own when it is already a token classifier with those types.
    public init(base: URL, train: [TaggedExample], eval: [TaggedExample], test: [TaggedExample]? = nil,
                labels: [String]? = nil, options: TrainingOptions, labelAllTokens: Bool = false,
                evaluationMode: EntityEvaluationMode = .lenient, out: URL, sources: (train: String, eval: String, test: String?)) throws {
        try options.validate()
        if options.mode == .lora {
            throw TrainError.badOption("--mode lora trains text classifiers; a token classifier trains with --mode full, freeze or head-only")
        }
        guard !train.isEmpty else { throw TrainError.badInput("\(sources.train): no training sentences") }
        guard !eval.isEmpty else { throw TrainError.badInput("\(sources.eval): no validation sentences") }
        self.options = options; self.labelAllTokens = labelAllTokens; self.evaluationMode = evaluationMode
        self.base = base; self.out = out
        var collector = TagLabels.Collector()
        for ex in train { collector.add(ex) }
        let names = labels ?? collector.labels()
        guard names.count >= 2 else {
            throw TrainError.badInput("\(sources.train): no entity tags found (every word is O); token classification needs at least one entity type")
        }
        self.labels = names
        model = try Self.makeModel(base: base, labels: names, seed: options.seed, configure: options.applyDropout)
        head = try TokenClassificationHead(model: model)
        guard options.maxLength <= model.config.maxSequenceLength else {
            throw TrainError.badOption("--max-length \(options.maxLength) exceeds the \(model.config.maxSequenceLength) tokens the model's position table takes (max_position_embeddings \(model.config.maxPositionEmbeddings))")
        }
        let tok = try Tokenizer(directory: base)
        func data(_ ex: [TaggedExample], _ source: String) throws -> TokenTrainingData {
            try TokenTrainingData(ex, labels: names, tokenizer: tok, maxLength: options.maxLength, labelAllTokens: labelAllTokens, source: source)
        }
        self.train = try data(train, sources.train)
        self.eval = try data(eval, sources.eval)
        self.test = try test.map { try data($0, sources.test ?? "test data") }
        for (name, d) in [("training", self.train), ("validation", self.eval)] + (self.test.map { [("test", $0)] } ?? []) where d.truncated > 0 {
            logger.warning("\(d.truncated) \(name) sentence(s) are longer than --max-length \(options.maxLength) tokens; their cut-off words are not trained on and count as O when scored")
        }
    }

    /// A `BertForTokenClassification`: encoder weights copied by name, no pooler, the classifier
    /// initialized as transformers does (N(0, initializer_range), zero bias) unless the base
    /// already has one of the same labels.
    public static func makeModel(base: URL, labels: [String], seed: UInt64,
                                 configure: (inout BertConfig) -> Void = { _ in }) throws -> BertModel {
        let baseModel = try BertModel.load(directory: base)
        var cfg = baseModel.config
        let keepHead = baseModel.config.isTokenClassification && baseModel.config.labelNames == labels
        configure(&cfg)
        cfg.id2label = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0, $1) })
        cfg.label2id = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        cfg.problemType = nil
        cfg.architectures = [cfg.family.architecture(.tokenClassification(labels: labels.count))]
        let model = BertModel(config: cfg, pooler: false, head: .tokenClassification(labels: labels.count))
        var rng = SeededGenerator(seed: seed)
        for e in model.layout.entries {
            let dst = model.parameters.base + e.offset
            if let src = baseModel.parameters[e.name], src.count == e.count, keepHead || !e.name.hasPrefix("classifier.") {
                dst.update(from: src.baseAddress!, count: e.count)
            } else if e.name.hasSuffix(".bias") {
                dst.update(repeating: 0, count: e.count)
            } else {
                for i in 0..<e.count { dst[i] = Float(Trainer.normal(&rng)) * cfg.initializerRange }
            }
        }
        return model
    }

    var checkpointDir: URL { out.appendingPathComponent("checkpoint") }
    public var logURL: URL { out.appendingPathComponent("training_log.jsonl") }
    public var testMetricsURL: URL { out.appendingPathComponent("test_metrics.json") }

    func makeLoss() -> CrossEntropyLoss {
        CrossEntropyLoss(classWeights: options.classWeights.map { cw in labels.map { cw[$0] ?? 1 } }, labelSmoothing: options.labelSmoothing)
    }

    func trainable() -> TrainableParts {
        switch options.mode {
        case .full: return TrainableParts(pooler: false)
        case .freeze(let k): return TrainableParts(embeddings: false, firstTrainableLayer: k, pooler: false)
        case .headOnly: return TrainableParts(embeddings: false, firstTrainableLayer: model.config.numHiddenLayers, pooler: false)
        // Refused in `init`; a tagger trains in full.
        case .lora: return TrainableParts(pooler: false)
        }
    }

    /// Trains; with `resume`, continues from `out/checkpoint`.
    public func run(resume: Bool = false) throws -> Summary {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let update = ParameterUpdate(model: model, trainable: trainable(), weightDecay: Float(options.weightDecay),
                                     maxGradNorm: options.maxGradNorm.map(Float.init))
        let loss = makeLoss()
        var state = Checkpoint.State(epochsDone: 0, globalStep: 0, adamStep: 0, best: nil, bestEpoch: nil, badEpochs: 0, labels: labels)
        if resume {
            state = try Checkpoint.load(from: checkpointDir, model: model, optimizer: update.optimizer)
            guard state.labels == labels else {
                throw TrainError.badCheckpoint("\(checkpointDir.path) was trained on labels \(state.labels), this data has \(labels)")
            }
        }
        let log = try TrainingLog(url: logURL, append: resume)
        let items = train.items
        let batchesPerEpoch = (items.count + options.batchSize - 1) / options.batchSize
        let stepsPerEpoch = (batchesPerEpoch + options.gradientAccumulation - 1) / options.gradientAccumulation
        let schedule = LRSchedule(kind: options.schedule, warmupRatio: options.warmupRatio, totalSteps: stepsPerEpoch * options.epochs)
        var rates = DropoutRates(config: model.config)
        rates.classifier = model.config.family.tokenClassifierDropout(model.config)
        if options.mode == .headOnly { rates = rates.headOnly }
        logger.info("token classification: \(items.count) training sentences, \(eval.items.count) validation, \(labels.count) labels (\(labels.joined(separator: " "))), \(stepsPerEpoch * options.epochs) steps")
        var results: [EpochResult] = []
        var stoppedEarly = false
        let progress = makeProgress(stepsPerEpoch * (options.epochs - state.epochsDone),
                                    options.progress ? .automatic(interval: options.progressInterval) : .off)
        var seen = 0, barStep = 0
        for epoch in state.epochsDone..<options.epochs {
            let started = Date()
            let batches = Batching.epochBatches(lengths: items.map(\.ids.count), batchSize: options.batchSize, seed: options.seed, epoch: epoch)
            var lossSum = 0.0, lossCount = 0, stepLoss = 0.0, inStep = 0
            for (bi, idx) in batches.enumerated() {
                let groupStart = bi - bi % options.gradientAccumulation
                let groupSize = min(options.gradientAccumulation, batches.count - groupStart)
                let scale = 1 / Double(groupSize)
                let drop = rates.isZero ? nil : Dropout(rates: rates, seed: Dropout.seed(run: options.seed, step: state.globalStep, microBatch: inStep))
                let batch = try PackedBatch(sequences: idx.map { items[$0].ids }, typeIds: idx.map { items[$0].typeIds })
                let l = try update.accumulateTokens(batch, labels: idx.flatMap { items[$0].labels }, loss: loss, scale: scale, dropout: drop)
                lossSum += l * Double(idx.count); lossCount += idx.count; seen += idx.count
                stepLoss += l * scale; inStep += 1
                if inStep == groupSize {
                    let lr = options.learningRate * schedule.multiplier(state.globalStep)
                    let norm = update.apply(lr: Float(lr))
                    state.globalStep += 1; barStep += 1
                    log.write(["type": "step", "epoch": epoch + 1, "step": state.globalStep, "loss": stepLoss, "lr": lr, "grad_norm": Double(norm)])
                    progress.update(step: barStep, loss: stepLoss, examples: seen, context: "epoch \(epoch + 1)/\(options.epochs)")
                    stepLoss = 0; inStep = 0
                }
            }
            let seconds = Date().timeIntervalSince(started)
            let ev = try evaluate(eval, loss: loss)
            let metric = options.metric == .loss ? ev.loss : ev.report.micro.f1
            let r = EpochResult(epoch: epoch + 1, trainLoss: lossSum / Double(max(1, lossCount)), evalLoss: ev.loss, report: ev.report,
                                examplesPerSecond: Double(items.count) / max(seconds, 1e-9), metric: metric)
            results.append(r)
            let improved = state.improves(metric, higherIsBetter: options.metric != .loss)
            log.write(["type": "eval", "epoch": epoch + 1, "step": state.globalStep, "train_loss": r.trainLoss, "eval_loss": r.evalLoss,
                       "metric": options.metric == .loss ? "loss" : "entity-micro-f1", "value": metric,
                       "micro_f1": ev.report.micro.f1, "macro_f1": ev.report.macro.f1, "precision": ev.report.micro.precision,
                       "recall": ev.report.micro.recall, "accuracy": ev.report.accuracy,
                       "examples_per_second": r.examplesPerSecond, "best": improved])
            progress.finish()
            logger.info("\(Self.describe(r, epochs: options.epochs))\(improved ? " (best so far, saved)" : "")")
            try state.finishEpoch(epoch, metric: metric, improved: improved, optimizer: update.optimizer, model: model,
                                  checkpointDir: checkpointDir) { try ModelFolder.write(model, tokenizerFrom: base, to: out) }
            onEpoch?(r)
            if let s = stopAfterEpochs, epoch + 1 >= s { break }
            if state.stopsEarly(after: epoch, patience: options.patience, epochs: options.epochs) {
                stoppedEarly = true
                log.write(["type": "early_stop", "epoch": epoch + 1, "patience": options.patience ?? 0])
                logger.info("stopping early: \(options.patience ?? 0) validation(s) without improvement")
                break
            }
        }
        progress.finish()
        var testReport: EntityReport?
        if let test, let bestEpoch = state.bestEpoch {
            // Only now, once, with the model selection already saved.
            let saved = try BertModel.load(directory: out)
            let t = try WordTagger(model: saved, labels: labels, batchSize: options.batchSize).evaluate(test, mode: evaluationMode, loss: loss)
            testReport = t.report
            log.write(["type": "test", "epoch": bestEpoch, "sentences": test.items.count, "loss": t.loss, "micro_f1": t.report.micro.f1,
                       "macro_f1": t.report.macro.f1, "precision": t.report.micro.precision, "recall": t.report.micro.recall])
            logger.info("test set scored once (\(test.items.count) sentences) with the model of epoch \(bestEpoch): entity micro-F1 \(String(format: "%.4f", t.report.micro.f1))")
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicWriter.write(enc.encode(TestMetrics(epoch: bestEpoch, loss: t.loss, entities: t.report)), to: testMetricsURL)
        }
        return Summary(epochs: results, bestEpoch: state.bestEpoch, best: state.best, stoppedEarly: stoppedEarly, test: testReport)
    }

    struct TestMetrics: Encodable {
        var epoch: Int
        var loss: Double
        var entities: EntityReport
        var note = "scored once with the model selected on the validation set"
    }

    public static func describe(_ r: EpochResult, epochs: Int) -> String {
        String(format: "epoch %d/%d: train loss %.4f, validation loss %.4f, entity precision %.4f, recall %.4f, micro-F1 %.4f, macro-F1 %.4f, %.1f sentences/s",
               r.epoch, epochs, r.trainLoss, r.evalLoss, r.report.micro.precision, r.report.micro.recall, r.report.micro.f1,
               r.report.macro.f1, r.examplesPerSecond)
    }

    func evaluate(_ d: TokenTrainingData, loss: CrossEntropyLoss) throws -> (loss: Double, report: EntityReport) {
        let r = try WordTagger(model: model, labels: labels, batchSize: options.batchSize).evaluate(d, mode: evaluationMode, loss: loss)
        return (r.loss, r.report)
    }
}
