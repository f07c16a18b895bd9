import Foundation
import Logging
import SiftCore
import SiftData
import SiftEngine
import SiftEval
import SiftInference
import SiftTokenizers

/// Fine-tunes a Hugging Face BERT folder into a `BertForSequenceClassification` folder.
///
/// Data flow: texts → tokenizer (once) → seeded, length-bucketed batches → packed forward
/// (recording, with dropout) → loss → hand-written backward into the gradient buffer → clip → AdamW with the
/// warm-up schedule; after each epoch an evaluation on the validation set (`eval`) picks the best
/// model (saved to `out`) and drives early stopping; a resumable checkpoint goes to `out/checkpoint`.
/// An optional test set is scored once, after the last epoch, with the saved best model: it never
/// takes part in selection, so its figures are an honest estimate.
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
        public init(epoch: Int, trainLoss: Double, evalLoss: Double, accuracy: Double?, macroF1: Double?, microF1: Double?,
                    metric: Double, examplesPerSecond: Double) {
            self.epoch = epoch; self.trainLoss = trainLoss; self.evalLoss = evalLoss; self.accuracy = accuracy
            self.macroF1 = macroF1; self.microF1 = microF1; self.metric = metric; self.examplesPerSecond = examplesPerSecond
        }
    }

    /// The test set's figures for the selected model (scored once, at the end).
    public struct TestResult: Sendable, Equatable {
        /// The epoch whose saved model was scored (the best on validation).
        public var epoch: Int
        public var examples: Int
        public var loss: Double
        public var accuracy: Double?
        public var macroF1: Double?
        public var microF1: Double?
        /// The selection metric's value on the test set.
        public var metric: Double
        public init(epoch: Int, examples: Int, loss: Double, accuracy: Double?, macroF1: Double?, microF1: Double?, metric: Double) {
            self.epoch = epoch; self.examples = examples; self.loss = loss; self.accuracy = accuracy
            self.macroF1 = macroF1; self.microF1 = microF1; self.metric = metric
        }
    }

    public struct Summary: Sendable {
        public var epochs: [EpochResult]
        public var bestEpoch: Int?
        /// The selection metric of the best epoch, on the validation set.
        public var best: Double?
        public var stoppedEarly: Bool
        /// Nil when no test set was given (or no epoch was saved).
        public var test: TestResult?
        public init(epochs: [EpochResult], bestEpoch: Int?, best: Double?, stoppedEarly: Bool, test: TestResult? = nil) {
            self.epochs = epochs; self.bestEpoch = bestEpoch; self.best = best; self.stoppedEarly = stoppedEarly; self.test = test
        }
    }

    public let options: TrainingOptions
    public let labels: [String]
    public let multiLabel: Bool
    public let model: BertModel
    public let out: URL
    let base: URL
    /// Whether the base brought a pooler (LoRA freezes it then; a missing one trains and is saved).
    let baseHasPooler: Bool
    let tokenizer: Tokenizer
    let train: Encoded
    let eval: Encoded
    let test: Encoded?
    /// Stop (as if interrupted) after this many epochs in total; the checkpoint allows resuming.
    public var stopAfterEpochs: Int?
    /// Called after each epoch (the CLI prints a line; tests observe).
    public var onEpoch: (@Sendable (EpochResult) -> Void)?
    /// Epoch results, early stopping and test scoring are logged here (stderr by default).
    public var logger = Logger(label: "sift.train")
    /// Where the step progress goes (tests inject a clock and an output).
    public var makeProgress: @Sendable (_ total: Int, _ style: ProgressReporter.Style) -> ProgressReporter = {
        ProgressReporter(total: $0, style: $1)
    }

    /// Encoded examples: one row per text, or per window with `--long-text window` (each
    /// window carries its document's label; `document` says whose it is).
    struct Encoded {
        var ids: [[Int32]]
        var types: [[Int32]]
        var classes: [Int]       // single-label
        var multiHot: [[Double]] // multi-label
        /// Row → document, when rows are windows (nil: one row per document).
        var document: [Int]? = nil
        var count: Int { ids.count }
        var documents: Int { document.map { ($0.last ?? -1) + 1 } ?? ids.count }
    }

    /// Tokenizes the sets and builds the classifier from `base` (encoder weights copied by name;
    /// pooler, if absent, and classifier initialized as transformers does: N(0, initializer_range),
    /// zero bias, from `options.seed`). `eval` is the validation set (selection, early stopping);
    /// `test`, if given, is only scored once at the end.
    public init(base: URL, train: LabeledDataset, eval: LabeledDataset, test: LabeledDataset? = nil,
                options: TrainingOptions, out: URL) throws {
        try options.validate()
        self.options = options
        self.base = base
        self.out = out
        labels = train.labelNames
        multiLabel = train.multiLabel
        guard labels.count >= (multiLabel ? 1 : 2) else {
            throw TrainError.badInput("the training data has \(labels.count) label(s) (\(labels.joined(separator: ", "))); a classifier needs at least two")
        }
        if multiLabel {
            if options.classWeights != nil { throw TrainError.badOption("--class-weights weighs single-label classes; for multi-label data use --pos-weight") }
            if options.oversample { throw TrainError.badOption("--oversample balances single-label classes; for multi-label data use --pos-weight") }
        } else if options.positiveWeights != nil {
            throw TrainError.badOption("--pos-weight applies to --multi-label data; single-label data takes --class-weights or --oversample")
        }
        let tok = try Tokenizer(directory: base)
        tokenizer = tok
        (model, baseHasPooler) = try Self.classifier(base: base, labels: labels, multiLabel: multiLabel, seed: options.seed,
                                                     lora: options.mode == .lora ? options.lora : nil,
                                                     configure: options.applyDropout)
        do { try TextEncoder.checkVocabulary(tok, fits: model.config, directory: base) } catch {
            throw TrainError.badInput(error.localizedDescription)
        }
        guard options.maxLength <= model.config.maxSequenceLength else {
            throw TrainError.badOption("--max-length \(options.maxLength) exceeds the \(model.config.maxSequenceLength) tokens the model's position table takes (max_position_embeddings \(model.config.maxPositionEmbeddings))")
        }
        var opt = EncodeOptions()
        opt.maxLength = options.maxLength
        let names = train.labelNames, multi = train.multiLabel
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let longText = options.longText
        let textEncoder = TextEncoder(tokenizer: tok, maxLength: options.maxLength)
        if longText.mode != .truncate {
            if train.examples.contains(where: { $0.textPair != nil }) {
                throw TrainError.badOption("--long-text \(longText.mode.rawValue) applies to single texts, not text pairs")
            }
            do { try textEncoder.validate(longText) } catch { throw TrainError.badOption(error.localizedDescription) }
        }
        func encode(_ d: LabeledDataset) -> Encoded {
            let classes = multi ? [] : d.examples.map { index[$0.label] ?? 0 }
            let multiHot = multi ? d.examples.map { ex in names.map { ex.labels.contains($0) ? 1.0 : 0.0 } } : []
            if longText.mode != .truncate {
                // Each window (or the head + tail) is a training row with its document's label.
                var e = Encoded(ids: [], types: [], classes: [], multiHot: [], document: [])
                for (k, ex) in d.examples.enumerated() {
                    for w in textEncoder.encode(ex.text, longText: longText) {
                        e.ids.append(w.ids); e.types.append(w.typeIds); e.document?.append(k)
                        if multi { e.multiHot.append(multiHot[k]) } else { e.classes.append(classes[k]) }
                    }
                }
                return e
            }
            let pairs = d.examples.contains { $0.textPair != nil } ? d.examples.map { $0.textPair ?? "" } : nil
            let enc = tok.encodeBatch(d.examples.map(\.text), pairs: pairs, options: opt)
            return Encoded(ids: enc.map(\.ids), types: enc.map(\.typeIds), classes: classes, multiHot: multiHot)
        }
        self.train = encode(train)
        self.eval = encode(eval)
        self.test = test.map(encode)
        do { try dropoutRates.validate() } catch {
            throw TrainError.badOption("\(base.appendingPathComponent("config.json").path): \(error.localizedDescription)")
        }
    }

    /// A `BertForSequenceClassification` from a base folder: encoder (and pooler) weights copied
    /// by name; missing pooler and the classifier initialized as transformers does
    /// (N(0, initializer_range) weights, zero biases), seeded. `configure` edits the config
    /// (the trainer's dropout overrides). With `lora`, the model carries those adapters, initialized
    /// as PEFT does: A ~ U(±1/√in) (kaiming_uniform with a = √5), B = 0, so it starts as the base.
    public static func makeClassifier(base: URL, labels: [String], multiLabel: Bool, seed: UInt64, lora: LoRAConfig? = nil,
                                      configure: (inout BertConfig) -> Void = { _ in }) throws -> BertModel {
        try classifier(base: base, labels: labels, multiLabel: multiLabel, seed: seed, lora: lora, configure: configure).model
    }

    static func classifier(base: URL, labels: [String], multiLabel: Bool, seed: UInt64, lora: LoRAConfig?,
                           configure: (inout BertConfig) -> Void) throws -> (model: BertModel, basePooler: Bool) {
        let baseModel = try BertModel.load(directory: base, withClassifier: false)
        var cfg = baseModel.config
        configure(&cfg)
        cfg.id2label = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0, $1) })
        cfg.label2id = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        cfg.problemType = multiLabel ? .multiLabel : .singleLabel
        cfg.architectures = [cfg.family.architecture(.sequenceClassification(labels: labels.count))]
        let layout: LoRALayout?
        do { layout = try lora.map { try LoRALayout(config: $0, model: cfg) } } catch {
            throw TrainError.badOption((error as? LocalizedError)?.errorDescription ?? "\(error)")
        }
        let model = BertModel(config: cfg, pooler: false, head: .sequenceClassification(labels: labels.count), lora: layout)
        var rng = SeededGenerator(seed: seed)
        // Adapters come last in the layout: the head's draws are those of a run without them.
        for e in model.layout.entries {
            let dst = model.parameters.base + e.offset
            if case .lora(_, let factor) = e.id {
                let bound = 1 / Double(e.shape[1]).squareRoot()
                for i in 0..<e.count {
                    dst[i] = factor == .b ? 0 : Float((Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1) * bound)
                }
            } else if let src = baseModel.parameters[e.name] {
                dst.update(from: src.baseAddress!, count: e.count)
            } else if e.name.hasSuffix(".bias") {
                dst.update(repeating: 0, count: e.count)
            } else {
                for i in 0..<e.count { dst[i] = Float(Self.normal(&rng)) * cfg.initializerRange }
            }
        }
        return (model, baseModel.layout.hasPooler)
    }

    static func normal(_ rng: inout SeededGenerator) -> Double {
        let u1 = max(Double.leastNonzeroMagnitude, Double(rng.next() >> 11) / Double(1 << 53))
        let u2 = Double(rng.next() >> 11) / Double(1 << 53)
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    var checkpointDir: URL { out.appendingPathComponent("checkpoint") }
    public var logURL: URL { out.appendingPathComponent("training_log.jsonl") }

    func makeLoss() -> any TrainingLoss {
        if multiLabel { return BCEWithLogitsLoss(posWeight: options.positiveWeights.map { pw in labels.map { pw[$0] ?? 1 } }) }
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
        if options.mode == .headOnly { rates = rates.headOnly }
        if options.mode == .lora { rates.lora = options.lora.dropout }
        if rates.isZero { return nil }
        return Dropout(rates: rates, seed: Dropout.seed(run: options.seed, step: step, microBatch: micro))
    }

    /// Head-only over cached features needs a head whose dense layer is the encoder's (BERT's
    /// pooler: features are its output); RoBERTa's and DistilBERT's heads own their dense layer,
    /// so they run the frozen encoder forward each step and train the whole head.
    var cachesFeatures: Bool { options.mode == .headOnly && model.config.family.sequenceHead.denseIsEncoder }

    func trainable() -> TrainableParts {
        switch options.mode {
        case .full: return .all
        case .freeze(let k): return .freezing(layers: k)
        case .headOnly: return TrainableParts(embeddings: false, firstTrainableLayer: model.config.numHiddenLayers, pooler: false)
        case .lora: return .lora(pooler: !baseHasPooler)
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
        let rowsPerEpoch = options.oversample ? Oversampling.epochCount(classes: train.classes) : train.count
        let batchesPerEpoch = (rowsPerEpoch + options.batchSize - 1) / options.batchSize
        let stepsPerEpoch = (batchesPerEpoch + options.gradientAccumulation - 1) / options.gradientAccumulation
        let schedule = LRSchedule(kind: options.schedule, warmupRatio: options.warmupRatio, totalSteps: stepsPerEpoch * options.epochs)

        // Head-only (BERT): the frozen encoder embeds every text once.
        var trainFeatures: [Float] = [], evalFeatures: [Float] = []
        if cachesFeatures {
            trainFeatures = try pooledFeatures(train)
            evalFeatures = try pooledFeatures(eval)
        }

        var results: [EpochResult] = []
        var stoppedEarly = false
        let progress = makeProgress(stepsPerEpoch * (options.epochs - state.epochsDone),
                                    options.progress ? .automatic(interval: options.progressInterval) : .off)
        var seen = 0, barStep = 0
        for epoch in state.epochsDone..<options.epochs {
            let started = Date()
            let rows = options.oversample ? Oversampling.epochRows(classes: train.classes, seed: options.seed, epoch: epoch) : nil
            let batches = Batching.epochBatches(lengths: lengths, rows: rows, batchSize: options.batchSize, seed: options.seed, epoch: epoch)
            var lossSum = 0.0, lossCount = 0, stepLoss = 0.0, inStep = 0
            for (bi, idx) in batches.enumerated() {
                let groupStart = bi - bi % options.gradientAccumulation
                let groupSize = min(options.gradientAccumulation, batches.count - groupStart)
                let scale = 1 / Double(groupSize)
                let drop = dropout(step: state.globalStep, micro: inStep)
                let l: Double
                if cachesFeatures {
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
                    progress.update(step: barStep, loss: stepLoss, examples: seen, context: "epoch \(epoch + 1)/\(options.epochs)")
                    stepLoss = 0; inStep = 0
                }
            }
            let seconds = Date().timeIntervalSince(started)
            let ev = try evaluate(eval, features: cachesFeatures ? evalFeatures : nil, loss: opt.loss)
            let metric: Double = switch options.metric {
            case .accuracy: ev.accuracy ?? 0
            case .macroF1: ev.macroF1 ?? 0
            case .microF1: ev.microF1 ?? 0
            case .loss: ev.loss
            }
            let r = EpochResult(epoch: epoch + 1, trainLoss: lossSum / Double(max(1, lossCount)), evalLoss: ev.loss,
                                accuracy: ev.accuracy, macroF1: ev.macroF1, microF1: ev.microF1, metric: metric,
                                examplesPerSecond: Double(rowsPerEpoch) / max(seconds, 1e-9))
            results.append(r)
            var entry: [String: Any] = ["type": "eval", "epoch": epoch + 1, "step": state.globalStep, "train_loss": r.trainLoss,
                                        "eval_loss": r.evalLoss, "metric": options.metric.rawValue, "value": metric,
                                        "examples_per_second": r.examplesPerSecond]
            if let a = ev.accuracy { entry["accuracy"] = a }
            if let f = ev.macroF1 { entry["macro_f1"] = f }
            if let f = ev.microF1 { entry["micro_f1"] = f }
            let improved = state.improves(metric, higherIsBetter: options.metric.higherIsBetter)
            entry["best"] = improved
            log.write(entry)
            progress.finish()
            logger.info("\(Self.describe(r, epochs: options.epochs))\(improved ? " (best so far, saved)" : "")")
            try state.finishEpoch(epoch, metric: metric, improved: improved, optimizer: opt.optimizer, model: model,
                                  checkpointDir: checkpointDir, save: saveModel)
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
        // The test set comes in only now, once, and only through the model selection already saved.
        var testResult: TestResult?
        if let test, let bestEpoch = state.bestEpoch {
            let t = try scoreTest(test, epoch: bestEpoch, loss: opt.loss)
            testResult = t
            var entry: [String: Any] = ["type": "test", "epoch": t.epoch, "examples": t.examples, "loss": t.loss,
                                        "metric": options.metric.rawValue, "value": t.metric]
            if let a = t.accuracy { entry["accuracy"] = a }
            if let f = t.macroF1 { entry["macro_f1"] = f }
            if let f = t.microF1 { entry["micro_f1"] = f }
            log.write(entry)
            try writeTestMetrics(t)
        }
        return Summary(epochs: results, bestEpoch: state.bestEpoch, best: state.best, stoppedEarly: stoppedEarly, test: testResult)
    }

    /// "epoch 2/3: train loss 0.4123, validation loss 0.3011, accuracy 0.9100, macro-F1 0.9050, 85.2 examples/s"
    public static func describe(_ r: EpochResult, epochs: Int) -> String {
        var line = String(format: "epoch %d/%d: train loss %.4f, validation loss %.4f", r.epoch, epochs, r.trainLoss, r.evalLoss)
        if let a = r.accuracy { line += String(format: ", accuracy %.4f", a) }
        if let f = r.macroF1 { line += String(format: ", macro-F1 %.4f", f) }
        if let f = r.microF1, r.accuracy == nil { line += String(format: ", micro-F1 %.4f", f) }
        return line + String(format: ", %.1f examples/s", r.examplesPerSecond)
    }

    /// File written next to the model when a test set was scored.
    public var testMetricsURL: URL { out.appendingPathComponent("test_metrics.json") }

    /// Scores `d` with the model saved at the selected epoch (the weights in memory are the last
    /// epoch's, which selection may have rejected), then puts the in-memory weights back.
    func scoreTest(_ d: Encoded, epoch: Int, loss: any TrainingLoss) throws -> TestResult {
        // An adapter loads unmerged, so its tensors line up with the model's.
        let saved = options.mode == .lora ? try LoRAAdapterFolder.load(directory: out, base: base)
            : try BertModel.load(directory: out, withClassifier: true)
        let kept = ParameterBuffer(layout: model.parameters.layout)
        kept.copy(from: model.parameters)
        defer { model.parameters.copy(from: kept) }
        for e in model.layout.entries {
            guard let src = saved.parameters[e.name], src.count == e.count else {
                throw TrainError.badCheckpoint("\(out.path): the saved model has no \(e.name) of \(e.count) values")
            }
            (model.parameters.base + e.offset).update(from: src.baseAddress!, count: e.count)
        }
        let ev = try evaluate(d, features: cachesFeatures ? try pooledFeatures(d) : nil, loss: loss)
        let metric: Double = switch options.metric {
        case .accuracy: ev.accuracy ?? 0
        case .macroF1: ev.macroF1 ?? 0
        case .microF1: ev.microF1 ?? 0
        case .loss: ev.loss
        }
        logger.info("test set scored once (\(d.documents) examples) with the model of epoch \(epoch)")
        return TestResult(epoch: epoch, examples: d.documents, loss: ev.loss, accuracy: ev.accuracy, macroF1: ev.macroF1,
                          microF1: ev.microF1, metric: metric)
    }

    /// OUT/test_metrics.json: the test figures and which epoch's model produced them.
    func writeTestMetrics(_ t: TestResult) throws {
        var object: [String: Any] = ["epoch": t.epoch, "examples": t.examples, "loss": t.loss,
                                     "metric": options.metric.rawValue, "value": t.metric,
                                     "note": "scored once with the model selected on the validation set"]
        if let a = t.accuracy { object["accuracy"] = a }
        if let f = t.macroF1 { object["macro_f1"] = f }
        if let f = t.microF1 { object["micro_f1"] = f }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        let writer = try AtomicFileWriter(url: testMetricsURL)
        try writer.write(String(decoding: data, as: UTF8.self) + "\n")
        try writer.commit()
    }

    /// Writes the Hugging Face folder (`ModelFolder.write`: tokenizer files, then weights and
    /// config.json last); with LoRA, the PEFT adapter folder over the base (`ModelFolder.writeAdapter`).
    func saveModel() throws {
        if options.mode == .lora {
            try ModelFolder.writeAdapter(model, trainable: trainable(), tokenizerFrom: base, to: out)
        } else {
            try ModelFolder.write(model, tokenizerFrom: base, to: out)
        }
    }

    /// Trained parameters and all of them (LoRA prints the share).
    public var trainedParameters: (trained: Int, total: Int) {
        let parts = trainable()
        let all = model.layout.entries
        return (all.filter { parts.trains($0.part) }.reduce(0) { $0 + $1.count }, all.reduce(0) { $0 + $1.count })
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
                    BLAS.threaded {
                        BLAS.sgemm(transA: false, transB: true, m: d.count, n: L, k: C, a: f.baseAddress!, lda: C,
                                   b: p["classifier.weight"]!.baseAddress!, ldb: C, beta: 1, c: o.baseAddress!, ldc: L)
                    }
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
        // Metrics are per document: a document's windows combined as inference combines them.
        let problem: ProblemType = multiLabel ? .multiLabel : .singleLabel
        var rows = (0..<d.count).map { r -> Classification in
            let z = Array(logits[(r * L)..<((r + 1) * L)])
            return Classification(scores: SequenceClassifier.scores(z, problem), logits: z)
        }
        var firstRow = Array(0..<d.count)
        if let document = d.document {
            var groups = [[Classification]](repeating: [], count: d.documents)
            firstRow = [Int](repeating: 0, count: d.documents)
            for (r, k) in document.enumerated().reversed() { groups[k].insert(rows[r], at: 0); firstRow[k] = r }
            rows = groups.map { Classification.combine($0, options.longText.aggregation) }
        }
        if multiLabel {
            let ev = MultiLabelEvaluation.compute(yTrue: firstRow.map { d.multiHot[$0].map { $0 > 0.5 } },
                                                  scores: rows.map { $0.scores.map(Double.init) }, labels: labels)
            return Evaluation(loss: lossValue, microF1: ev.micro.f1, macroF1Value: ev.macro.f1)
        }
        let probs = rows.map { $0.scores.map(Double.init) }
        let ev = SingleLabelEvaluation.compute(yTrue: firstRow.map { d.classes[$0] }, probabilities: probs, labels: labels)
        return Evaluation(loss: lossValue, accuracy: ev.accuracy, macroF1: ev.macro.f1, microF1: ev.micro.f1)
    }
}

extension Trainer.Evaluation {
    init(loss: Double) { self.init(loss: loss, accuracy: nil, macroF1: nil, microF1: nil) }
    init(loss: Double, microF1: Double, macroF1Value: Double) {
        self.init(loss: loss, accuracy: nil, macroF1: macroF1Value, microF1: microF1)
    }
}
