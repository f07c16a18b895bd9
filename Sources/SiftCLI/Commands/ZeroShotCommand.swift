import ArgumentParser
import Foundation
import SiftInference

extension ZeroShotMethod: ExpressibleByArgument {}

/// `sift zero-shot MODEL --labels "a,b,c"`: route texts to labels no one has trained on.
struct ZeroShotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zero-shot",
        abstract: "Score texts against labels given at run time, with an NLI or an embedding model (JSONL out).",
        discussion: """
        With an NLI classifier (its labels include one starting with "entail"), each text is paired \
        with "This example is {label}." (--hypothesis-template) and scored as Hugging Face's \
        zero-shot-classification pipeline does: single-label, a softmax of the entailment logits \
        across labels; --multi-label, each label alone, entailment against contradiction. With an \
        embedding model (a folder without a classification head), each text's embedding is \
        compared by cosine with each label's text (the template, or --label-descriptions), and the \
        cosines divided by --temperature go through a softmax (--multi-label: the cosines \
        themselves). One JSON object per text: "label", "score", and "labels" / "scores" best first.
        """)

    @Argument(help: "An NLI classifier folder, or a sentence-embedding folder.") var modelDir: String
    @Option(help: "Candidate labels, comma-separated.") var labels: String
    @Option(help: "Where each label goes: must contain {} once.") var hypothesisTemplate = ZeroShotLabels.defaultTemplate
    @Flag(help: "Score each label independently (several may apply).") var multiLabel = false
    @Option(help: "Label descriptions to use instead of the names: JSON {label: text} or label<TAB>text lines.")
    var labelDescriptions: String?
    @Option(help: "nli or embedding (default: nli for a classifier folder, embedding otherwise).") var method: ZeroShotMethod?
    @Option(help: "Softmax temperature over cosines (embedding method).") var temperature = EmbeddingZeroShot.defaultTemperature
    @OptionGroup var source: TextSourceOptions

    func run() async throws {
        let bundle = try ModelBundle(directory: URL(fileURLWithPath: modelDir), maxLength: source.maxLength)
        let descriptions = try labelDescriptions.map { try ZeroShotLabels.readDescriptions(url: URL(fileURLWithPath: $0)) } ?? [:]
        let zs = try ZeroShotClassifier(bundle: bundle, labels: ZeroShotLabels.split(labels), template: hypothesisTemplate,
                                        descriptions: descriptions, multiLabel: multiLabel, method: method, temperature: temperature)
        // Per text, NLI runs one pair per label: keep a chunk's pairs near the usual batch.
        let runner = OfflineRunner(bundle: bundle, batchSize: zs.method == .nli ? max(1, source.batchSize / zs.labels.names.count) : source.batchSize)
        let reader = try source.makeReader()
        let out = try JSONLWriter(path: source.output)
        let inputName = source.io.input ?? "standard input"
        try runner.zeroShot(zs, next: {
            guard let r = try reader.next() else { return nil }
            if ZeroShotClassifier.firstEmpty([r.text]) != nil {
                throw ValidationErrorMessage("\(inputName):\(r.line): the text is empty; zero-shot needs something to classify")
            }
            return r.text
        }) { r in
            out.raw(#"{"label":"#); out.string(r.labels[0])
            out.raw(#","score":"#); out.float(r.scores[0])
            out.raw(#","labels":"#); out.strings(r.labels)
            out.raw(#","scores":"#); r.scores.withUnsafeBufferPointer { out.floats($0) }
            out.raw("}")
            try out.endLine()
        }
        try out.finish()
    }
}
