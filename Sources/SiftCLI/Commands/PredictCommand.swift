import ArgumentParser
import Foundation
import SiftData
import SiftEngine
import SiftInference

/// `sift predict MODEL_DIR`: classify texts with a `BertForSequenceClassification` folder.
struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify texts with a fine-tuned BERT classifier folder (JSONL out).",
        discussion: """
        One JSON object per input text: "label" (best label), "score" (its score) and "scores" \
        (by label name, best first). Scores follow the folder's problem_type: softmax for \
        single-label, sigmoid for multi-label (then "labels" lists every label at or above \
        --threshold, default 0.5), raw values for regression. With --threshold on a single-label \
        model, "label" is null when the best score is below it.
        """)

    @Argument(help: "A Hugging Face model folder with a classification head.")
    var modelDir: String

    @OptionGroup var source: TextSourceOptions

    @OptionGroup var longText: LongTextCLIOptions

    @Option(help: "Only the best K labels in \"scores\".")
    var topK: Int?

    @Option(help: "Score threshold (multi-label: which labels are on, default 0.5; single-label: minimum score for a label).")
    var threshold: Float?

    @Flag(help: "Also write the raw logits.")
    var logits = false

    @OptionGroup var precision: PrecisionOptions

    func validate() throws {
        if let k = topK, k < 1 { throw ValidationError("--top-k must be at least 1") }
        if let t = threshold, !t.isFinite { throw ValidationError("--threshold must be a number") }
    }

    func run() async throws {
        let bundle = try ModelBundle(directory: URL(fileURLWithPath: modelDir), maxLength: source.maxLength)
        _ = try bundle.requireClassifier()  // before any output is created
        try precision.apply(to: bundle)
        try bundle.encoder.validate(longText.options)
        let runner = OfflineRunner(bundle: bundle, batchSize: source.batchSize)
        let out = try JSONLWriter(path: source.output)
        try Self.predict(reader: source.makeReader(), runner: runner, options: .init(topK: topK, threshold: threshold, logits: logits, longText: longText.options), out: out)
        try out.finish()
    }

    struct Options { var topK: Int?; var threshold: Float?; var logits: Bool; var longText = LongTextOptions.truncate }

    /// Streams the reader's texts through the pipeline, one JSON line per text, in order.
    static func predict(reader: RecordReader, runner: OfflineRunner, options: Options, out: JSONLWriter) throws {
        let classifier = try runner.bundle.requireClassifier()
        let names = classifier.labels
        let problem = classifier.problemType
        try runner.classify(next: { try reader.next()?.text }, with: classifier, longText: options.longText) { p in
            write(p, names: names, problem: problem, options: options, out: out)
            try out.endLine()
        }
    }

    static func write(_ p: Classification, names: [String], problem: ProblemType, options: Options, out: JSONLWriter) {
        let order = p.scores.indices.sorted { p.scores[$0] > p.scores[$1] }
        let best = order[0]
        out.raw(#"{"label":"#)
        if problem == .singleLabel, let t = options.threshold, p.scores[best] < t { out.raw("null") } else { out.string(names[best]) }
        out.raw(#","score":"#); out.float(p.scores[best])
        out.raw(#","scores":{"#)
        for (i, k) in order.prefix(options.topK ?? order.count).enumerated() {
            if i > 0 { out.raw(",") }
            out.string(names[k]); out.raw(":"); out.float(p.scores[k])
        }
        out.raw("}")
        if problem == .multiLabel {
            let t = options.threshold ?? 0.5
            out.raw(#","labels":"#)
            out.strings(order.filter { p.scores[$0] >= t }.map { names[$0] })
        }
        if options.logits {
            out.raw(#","logits":"#)
            p.logits.withUnsafeBufferPointer { out.floats($0) }
        }
        out.raw("}")
    }
}
