import Foundation
import SiftEngine
import SiftInference

/// Which parameters fine-tuning updates.
public enum TrainingMode: Sendable, Equatable {
    /// Every parameter.
    case full
    /// Embeddings and the first K encoder layers frozen.
    case freeze(layers: Int)
    /// Encoder and pooler frozen: each text's pooled embedding is computed once, then only the
    /// classifier trains on those cached vectors (the fast path for small data).
    case headOnly
    /// LoRA (`TrainingOptions.lora`): low-rank adapters on the frozen encoder's linear layers
    /// train with the head; the output is a PEFT adapter folder over the base.
    case lora
}

/// The metric that picks the best epoch and drives early stopping.
public enum SelectionMetric: String, Sendable, CaseIterable {
    case accuracy
    case macroF1 = "macro-f1"
    case microF1 = "micro-f1"
    case loss
    public var higherIsBetter: Bool { self != .loss }
}

/// Loss for single-label heads (multi-label always uses BCE, regression MSE).
public enum SingleLabelLoss: String, Sendable, CaseIterable { case crossEntropy = "cross-entropy", focal }

/// Every knob of a training run, with the defaults of `sift train` (transformers' Trainer
/// defaults where they exist: AdamW, linear decay, max_grad_norm 1.0).
public struct TrainingOptions: Sendable {
    public var epochs = 3
    public var learningRate = 5e-5
    public var batchSize = 32
    public var maxLength = 128
    public var warmupRatio = 0.06
    public var weightDecay = 0.01
    public var seed: UInt64 = 42
    public var schedule: LRSchedule.Kind = .linear
    public var maxGradNorm: Double? = 1.0
    public var gradientAccumulation = 1
    public var mode: TrainingMode = .full
    public var metric: SelectionMetric = .accuracy
    /// Stop after this many evaluations without improvement (nil: never stop early).
    public var patience: Int? = nil
    public var loss: SingleLabelLoss = .crossEntropy
    public var labelSmoothing = 0.0
    public var focalGamma = 2.0
    /// Per-class weights by label name (single-label cross-entropy / focal α).
    public var classWeights: [String: Double]? = nil
    /// Multi-label: BCE's `pos_weight` by label name (weight of each label's positive term).
    public var positiveWeights: [String: Double]? = nil
    /// Single-label: every epoch, each smaller class is topped up to the largest one's size with
    /// seeded random copies (`Oversampling`).
    public var oversample = false
    /// Report step progress on stderr: a bar on a terminal, else a log line every
    /// `progressInterval` seconds (CI, nohup, a log file).
    public var progress = true
    public var progressInterval = 10.0
    /// Dropout probabilities during training; nil: the base model's config.json
    /// (hidden_dropout_prob, attention_probs_dropout_prob, classifier_dropout, which falls back
    /// to the hidden rate). Overrides are written into the output config.json, as transformers
    /// saves a config changed at `from_pretrained`.
    public var hiddenDropout: Double? = nil
    public var attentionDropout: Double? = nil
    public var classifierDropout: Double? = nil
    /// Texts longer than `maxLength`: truncated (default), head + tail, or windows that each train
    /// with the document's label (validation and test then combine a document's windows).
    public var longText = LongTextOptions.truncate
    /// The adapters of `--mode lora` (rank, alpha, dropout, target modules); unused otherwise.
    public var lora = LoRAConfig()
    public init() {}

    /// The base config with the dropout overrides applied.
    func applyDropout(to cfg: inout BertConfig) {
        if let p = hiddenDropout { cfg.hiddenDropoutProb = Float(p) }
        if let p = attentionDropout { cfg.attentionProbsDropoutProb = Float(p) }
        if let p = classifierDropout { cfg.classifierDropout = Float(p) }
    }

    /// Throws `TrainError.badOption` naming the first option out of range.
    public func validate() throws {
        func bad(_ s: String) throws { throw TrainError.badOption(s) }
        if epochs < 1 { try bad("--epochs must be at least 1") }
        if !(learningRate > 0 && learningRate.isFinite) { try bad("--learning-rate must be a positive number") }
        if batchSize < 1 { try bad("--batch-size must be at least 1") }
        if maxLength < 2 { try bad("--max-length must be at least 2 (room for [CLS] and [SEP])") }
        if !(0...1).contains(warmupRatio) { try bad("--warmup must be between 0 and 1") }
        if weightDecay < 0 { try bad("--weight-decay must not be negative") }
        if gradientAccumulation < 1 { try bad("--gradient-accumulation must be at least 1") }
        if !(0..<1).contains(labelSmoothing) { try bad("--label-smoothing must be in [0, 1)") }
        if let p = patience, p < 1 { try bad("--patience must be at least 1") }
        if !(progressInterval > 0) { try bad("--progress-interval must be positive") }
        for (flag, p) in [("--hidden-dropout", hiddenDropout), ("--attention-dropout", attentionDropout),
                          ("--classifier-dropout", classifierDropout)] {
            if let p, !(0..<1).contains(p) { try bad("\(flag) must be in [0, 1), found \(p)") }
        }
        if mode == .lora {
            do { try lora.validate() } catch { try bad((error as? LocalizedError)?.errorDescription ?? "\(error)") }
        }
    }
}
