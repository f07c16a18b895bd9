import Foundation
import Logging
import SiftCore
import SiftData
import SiftEngine
import SiftTokenizers

/// Continued masked-language-model pretraining of a BERT folder on domain text (`sift pretrain`),
/// as transformers' `run_mlm.py` with `DataCollatorForLanguageModeling`.
///
/// Data flow: corpus lines → tokens (a line longer than `maxLength` becomes consecutive windows,
/// so no text is wasted) → a held-out share for validation → per epoch, seeded length-bucketed
/// batches, each sequence masked afresh (`MaskingCollator`, seeded by epoch and index) → packed
/// forward with dropout → the masked-LM head on the labeled tokens → cross-entropy → backward
/// (the tied decoder into the word embeddings) → AdamW. After each epoch the validation lines,
/// masked once the same way every epoch, give the held-out masked-token loss; the lowest picks
/// the saved `BertForMaskedLM` folder and drives early stopping. Checkpoints as the text trainer's.
public final class Pretrainer: @unchecked Sendable {
    public struct EpochResult: Sendable {
        public var epoch: Int
        public var trainLoss: Double
        public var validationLoss: Double
        public var validationPerplexity: Double
        public var tokensPerSecond: Double
    }

    public struct Summary: Sendable {
        public var epochs: [EpochResult]
        public var bestEpoch: Int?
        public var bestValidationLoss: Double?
        public var stoppedEarly: Bool
    }

    public let options: TrainingOptions
    public let masking: MaskingOptions
    public let model: BertModel
    /// False when the base had no masked-LM head and it was initialized here.
    public let headLoaded: Bool
    public let out: URL
    let base: URL
    let train: [PretrainingItem]
    let validation: [PretrainingItem]
    let collator: MaskingCollator
    public var stopAfterEpochs: Int?
    public var onEpoch: (@Sendable (EpochResult) -> Void)?
    public var logger = Logger(label: "sift.pretrain")
    public var makeProgress: @Sendable (_ total: Int, _ style: ProgressReporter.Style) -> ProgressReporter = {
        ProgressReporter(total: $0, style: $1)
    }

    /// The labels a masked-LM checkpoint records (a classifier's checkpoint never resumes here).
    static let checkpointLabels = ["[masked-lm]"]

    /// - Parameters:
    ///   - texts: the corpus, one text per element.
    ///   - validationTexts: held-out texts; nil holds out `validationShare` of `texts` (seeded).
    public init(base: URL, texts: [String], validationTexts: [String]? = nil, validationShare: Double = 0.05,
                options: TrainingOptions, masking: MaskingOptions, out: URL) throws {
        try options.validate()
        try masking.validate()
        guard options.mode == .full else { throw TrainError.badOption("pretraining updates every parameter (--mode full)") }
        guard validationShare > 0 && validationShare < 1 else {
            throw TrainError.badOption("--validation-share must be in (0, 1), found \(validationShare)")
        }
        self.options = options; self.masking = masking; self.base = base; self.out = out
        let (loaded, headLoaded) = try BertModel.loadMaskedLM(directory: base)
        guard loaded.config.family is BertFamily else {
            throw TrainError.badOption("\(base.path): masked-LM pretraining is implemented for model_type bert; this model is \(loaded.config.modelType)")
        }
        var cfg = loaded.config
        options.applyDropout(to: &cfg)
        model = cfg == loaded.config ? loaded : try Self.copy(loaded, config: cfg)
        self.headLoaded = headLoaded
        if !headLoaded { Self.initializeHead(model, seed: options.seed) }
        guard options.maxLength <= model.config.maxSequenceLength else {
            throw TrainError.badOption("--max-length \(options.maxLength) exceeds the \(model.config.maxSequenceLength) tokens the model's position table takes (max_position_embeddings \(model.config.maxPositionEmbeddings))")
        }
        let tok = try Tokenizer(directory: base)
        guard tok.vocabSize <= model.config.vocabSize else {
            throw TrainError.badInput("\(base.path): the tokenizer has \(tok.vocabSize) entries but the embedding matrix \(model.config.vocabSize) rows")
        }
        guard let maskId = tok.id(for: "[MASK]") else {
            throw TrainError.badInput("\(base.path): the tokenizer has no [MASK] token")
        }
        collator = MaskingCollator(options: masking, maskTokenId: maskId, vocabSize: tok.vocabSize)
        func items(_ texts: [String]) -> [PretrainingItem] {
            let encode = EncodeOptions(maxLength: options.maxLength)
            return texts.flatMap { text -> [PretrainingItem] in
                let e = tok.encode(text, options: encode)
                return ([e] + e.overflowing).map { PretrainingItem(encoding: $0, text: text) }
            }.filter { $0.special.contains(false) }
        }
        let texts = texts.filter { !$0.allSatisfy(\.isWhitespace) }
        if let validationTexts {
            train = items(texts)
            validation = items(validationTexts.filter { !$0.allSatisfy(\.isWhitespace) })
        } else {
            guard texts.count >= 2 else { throw TrainError.badInput("the corpus has \(texts.count) text(s); hold-out validation needs at least 2") }
            var order = Array(texts.indices)
            var rng = SeededGenerator(seed: options.seed ^ 0x5EED_0F_7E57)
            order.seededShuffle(using: &rng)
            let held = max(1, Int((Double(texts.count) * validationShare).rounded()))
            validation = items(order.prefix(held).map { texts[$0] })
            train = items(order.dropFirst(held).map { texts[$0] })
        }
        guard !train.isEmpty else { throw TrainError.badInput("the corpus has no text to train on (every line is empty)") }
        guard !validation.isEmpty else { throw TrainError.badInput("the validation texts are empty") }
    }

    /// The model with another config (dropout overrides), same weights.
    static func copy(_ m: BertModel, config: BertConfig) throws -> BertModel {
        let c = BertModel(config: config, pooler: m.layout.hasPooler, head: .maskedLM)
        c.parameters.copy(from: m.parameters)
        return c
    }

    /// transformers' `_init_weights` for the head: dense N(0, initializer_range), zero biases,
    /// LayerNorm gain 1 and shift 0, zero decoder bias.
    static func initializeHead(_ model: BertModel, seed: UInt64) {
        var rng = SeededGenerator(seed: seed ^ 0x4D4C_4D48)
        for e in model.layout.entries {
            guard case .maskedLM(let t) = e.id else { continue }
            let dst = model.parameters.base + e.offset
            switch t {
            case .transform(.weight):
                for i in 0..<e.count { dst[i] = Float(Trainer.normal(&rng)) * model.config.initializerRange }
            case .transformNorm(.weight): dst.update(repeating: 1, count: e.count)
            default: dst.update(repeating: 0, count: e.count)
            }
        }
    }

    var checkpointDir: URL { out.appendingPathComponent("checkpoint") }
    public var logURL: URL { out.appendingPathComponent("training_log.jsonl") }
    public var trainingSequences: Int { train.count }
    public var validationSequences: Int { validation.count }

    /// The held-out masked-token loss of the current weights (validation masked as every epoch).
    public func validate() throws -> MaskedLMEvaluation {
        let head = try MaskedLMHead(model: model)
        let acts = model.makeActivations()
        var ev = MaskedLMEvaluation()
        let masked = validation.indices.map { collator.mask(validation[$0], seed: options.seed, epoch: -1, index: $0) }
        for start in stride(from: 0, to: masked.count, by: options.batchSize) {
            let chunk = masked[start..<min(masked.count, start + options.batchSize)]
            let batch = try PackedBatch(sequences: chunk.map(\.ids))
            try ev.add(model: model, head: head, acts: acts, batch: batch, labels: chunk.flatMap(\.labels))
        }
        return ev
    }

    /// Trains; with `resume`, continues from `out/checkpoint`.
    public func run(resume: Bool = false) throws -> Summary {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // The pooler takes no part in the masked-LM loss: kept as the base had it, not decayed.
        let update = ParameterUpdate(model: model, trainable: TrainableParts(pooler: false), weightDecay: Float(options.weightDecay),
                                     maxGradNorm: options.maxGradNorm.map(Float.init))
        var state = Checkpoint.State(epochsDone: 0, globalStep: 0, adamStep: 0, best: nil, bestEpoch: nil, badEpochs: 0,
                                     labels: Self.checkpointLabels)
        if resume {
            state = try Checkpoint.load(from: checkpointDir, model: model, optimizer: update.optimizer)
            guard state.labels == Self.checkpointLabels else {
                throw TrainError.badCheckpoint("\(checkpointDir.path) is a classifier's checkpoint (labels \(state.labels)), not masked-LM pretraining")
            }
        }
        let log = try TrainingLog(url: logURL, append: resume)
        let batchesPerEpoch = (train.count + options.batchSize - 1) / options.batchSize
        let stepsPerEpoch = (batchesPerEpoch + options.gradientAccumulation - 1) / options.gradientAccumulation
        let schedule = LRSchedule(kind: options.schedule, warmupRatio: options.warmupRatio, totalSteps: stepsPerEpoch * options.epochs)
        let rates = DropoutRates(config: model.config)
        let tokens = train.reduce(0) { $0 + $1.ids.count }
        logger.info("masked-LM pretraining: \(train.count) training sequences (\(tokens) tokens), \(validation.count) validation, masking \(masking.probability)\(masking.wholeWord ? " of whole words" : ""), head \(headLoaded ? "from the checkpoint" : "initialized"), \(stepsPerEpoch * options.epochs) steps")
        if state.epochsDone == 0 {
            let ev = try validate()
            logger.info("\(String(format: "before training: validation masked-token loss %.4f (perplexity %.2f)", ev.loss, ev.perplexity))")
            log.write(["type": "eval", "epoch": 0, "step": 0, "eval_loss": ev.loss, "perplexity": ev.perplexity, "masked_tokens": ev.tokens])
        }
        var results: [EpochResult] = []
        var stoppedEarly = false
        let progress = makeProgress(stepsPerEpoch * (options.epochs - state.epochsDone),
                                    options.progress ? .automatic(interval: options.progressInterval) : .off)
        var seen = 0, barStep = 0
        for epoch in state.epochsDone..<options.epochs {
            let started = Date()
            let batches = Batching.epochBatches(lengths: train.map(\.ids.count), batchSize: options.batchSize, seed: options.seed, epoch: epoch)
            var lossSum = 0.0, lossTokens = 0, stepLoss = 0.0, inStep = 0
            for (bi, idx) in batches.enumerated() {
                let groupStart = bi - bi % options.gradientAccumulation
                let groupSize = min(options.gradientAccumulation, batches.count - groupStart)
                let scale = 1 / Double(groupSize)
                let drop = rates.isZero ? nil : Dropout(rates: rates, seed: Dropout.seed(run: options.seed, step: state.globalStep, microBatch: inStep))
                let masked = idx.map { collator.mask(train[$0], seed: options.seed, epoch: epoch, index: $0) }
                let batch = try PackedBatch(sequences: masked.map(\.ids))
                let r = try update.accumulateMaskedLM(batch, labels: masked.flatMap(\.labels), scale: scale, dropout: drop)
                lossSum += r.loss * Double(r.tokens); lossTokens += r.tokens; seen += idx.count
                stepLoss += r.loss * scale; inStep += 1
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
            let ev = try validate()
            let r = EpochResult(epoch: epoch + 1, trainLoss: lossSum / Double(max(1, lossTokens)), validationLoss: ev.loss,
                                validationPerplexity: ev.perplexity, tokensPerSecond: Double(tokens) / max(seconds, 1e-9))
            results.append(r)
            let improved = state.improves(ev.loss, higherIsBetter: false)
            log.write(["type": "eval", "epoch": epoch + 1, "step": state.globalStep, "train_loss": r.trainLoss, "eval_loss": ev.loss,
                       "perplexity": ev.perplexity, "masked_tokens": ev.tokens, "tokens_per_second": r.tokensPerSecond, "best": improved])
            progress.finish()
            logger.info("\(Self.describe(r, epochs: options.epochs))\(improved ? " (best so far, saved)" : "")")
            try state.finishEpoch(epoch, metric: ev.loss, improved: improved, optimizer: update.optimizer, model: model,
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
        return Summary(epochs: results, bestEpoch: state.bestEpoch, bestValidationLoss: state.best, stoppedEarly: stoppedEarly)
    }

    public static func describe(_ r: EpochResult, epochs: Int) -> String {
        String(format: "epoch %d/%d: train masked-token loss %.4f, validation %.4f (perplexity %.2f), %.0f tokens/s",
               r.epoch, epochs, r.trainLoss, r.validationLoss, r.validationPerplexity, r.tokensPerSecond)
    }
}
