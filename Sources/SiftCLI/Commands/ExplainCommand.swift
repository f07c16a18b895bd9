import ArgumentParser
import Foundation
import SiftCore
import SiftData
import SiftEval
import SiftInference

/// `sift explain MODEL_DIR`: which words made a classifier give its label.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a classifier's labels word by word: Integrated Gradients or occlusion (JSONL, and an HTML page).",
        discussion: """
        integrated-gradients (default) follows Captum's LayerIntegratedGradients over the \
        embeddings' output: baseline [CLS] [PAD]… [SEP], --steps Gauss–Legendre points (50), token \
        attributions summed over the hidden dimension and L2-normalized, words the sum of their \
        tokens; "convergence_delta" is Σ attributions − (f(text) − f(baseline)), small when the \
        integral is accurate. It needs a fine-tuned head (BertForSequenceClassification) and costs \
        about --steps forward and backward passes per text. occlusion removes one word at a time \
        and reports the score's drop: one forward per word, any classifier (SetFit heads too). \
        --attribute chooses what is explained: the label's probability (default) or its logit. \
        One JSON object per text: "label", "score", "method", "words" (word, start, end, \
        attribution), and for integrated gradients "tokens" and "convergence_delta".
        """)

    @Argument(help: "A classifier folder.") var modelDir: String
    @OptionGroup var source: TextSourceOptions
    @Option(help: "integrated-gradients or occlusion.") var method: AttributionMethod = .integratedGradients
    @Option(help: "What is explained: probability or logit.") var attribute: AttributionOutput = .probability
    @Option(help: "Integrated Gradients' quadrature points.") var steps = 50
    @Option(help: "Explain this label (default: each text's predicted label).") var label: String?
    @Option(help: "Also write an HTML page with the words highlighted.") var html: String?

    func validate() throws {
        if steps < 1 || steps > 1000 { throw ValidationError("--steps must be between 1 and 1000") }
    }

    func run() async throws {
        let bundle = try ModelBundle(directory: URL(fileURLWithPath: modelDir), maxLength: source.maxLength)
        let explainer = try TextExplainer(bundle: bundle)
        var target: Int?
        if let label {
            guard let i = explainer.labels.firstIndex(of: label) else {
                throw ValidationErrorMessage("--label \(label) is not one of the model's labels: \(explainer.labels.joined(separator: ", "))")
            }
            target = i
        }
        if method == .integratedGradients && !(explainer.classifier is SequenceClassifier) {
            throw ValidationErrorMessage("\(modelDir) has no fine-tuned classification head, so no gradients: use --method occlusion")
        }
        // Explanations are costly per text; reading all first gives the progress bar its total.
        let reader = try source.makeReader()
        var texts: [String] = []
        while let r = try reader.next() { texts.append(r.text) }
        let options = ExplainOptions(method: method, output: attribute, steps: steps, target: target)
        let out = try JSONLWriter(path: source.output)
        let progress = ProgressReporter(total: texts.count)
        var pages: [ExplainedText] = []
        for (i, text) in texts.enumerated() {
            let x = try explainer.explain(text, options: options)
            Self.write(x, out: out)
            try out.endLine()
            if html != nil {
                pages.append(ExplainedText(text: text, label: x.label, score: Double(x.score), method: "\(x.method.rawValue), \(x.output.rawValue)",
                                           note: x.convergenceDelta.map { String(format: "convergence delta %.2g", $0) },
                                           words: x.words.map { .init(start: $0.start, end: $0.end, attribution: Double($0.attribution)) }))
            }
            progress.update(step: i + 1, examples: i + 1)
        }
        progress.finish()
        try out.finish()
        if let html {
            let w = try AtomicFileWriter(url: URL(fileURLWithPath: html))
            try w.write(ExplanationPage.render(title: "Explanations: \(URL(fileURLWithPath: modelDir).lastPathComponent)", texts: pages))
            try w.commit()
            CLILog.logger("sift.explain").info("page: \(html)")
        }
    }

    static func write(_ x: Explanation, out: JSONLWriter) {
        out.raw(#"{"label":"#); out.string(x.label)
        out.raw(#","score":"#); out.float(x.score)
        out.raw(#","method":"#); out.string(x.method.rawValue)
        out.raw(#","attribute":"#); out.string(x.output.rawValue)
        if let d = x.convergenceDelta { out.raw(#","convergence_delta":"#); out.float(d) }
        func rows(_ key: String, _ name: String, _ a: [Attribution]) {
            out.raw(",\"\(key)\":[")
            for (i, r) in a.enumerated() {
                if i > 0 { out.raw(",") }
                out.raw("{\"\(name)\":"); out.string(r.text)
                out.raw(#","start":"#); out.int(r.start); out.raw(#","end":"#); out.int(r.end)
                out.raw(#","attribution":"#); out.float(r.attribution); out.raw("}")
            }
            out.raw("]")
        }
        rows("words", "word", x.words)
        if !x.tokens.isEmpty { rows("tokens", "token", x.tokens) }
        out.raw("}")
    }
}
