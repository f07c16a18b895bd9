import ArgumentParser
import Foundation
import SiftCore
import SiftData
import SiftEval
import SiftInference
import SiftTrain

extension EvalCommand {
    /// `sift eval` on a token-classification folder: tagged data (CoNLL / JSONL) tagged word by
    /// word, entity precision / recall / F1 per type as seqeval computes them.
    func runEntities(_ bundle: ModelBundle, modelDir: String, data: String) throws {
        guard let classifier = bundle.tokenClassifier else { return }
        let labels = classifier.labels
        let examples = try TaggedDataReader(url: URL(fileURLWithPath: data),
                                            options: TaggedReadOptions(validator: TagValidator(scheme: tagScheme))).readAll()
        let tagged = try TokenTrainingData(examples, labels: labels, tokenizer: bundle.encoder.tokenizer,
                                           maxLength: bundle.maxLength, source: data)
        if tagged.truncated > 0 {
            CLILog.logger("sift.eval").warning("\(tagged.truncated) sentence(s) are longer than \(bundle.maxLength) tokens; their cut-off words count as O")
        }
        let r = try WordTagger(model: bundle.model, labels: labels, batchSize: batchSize).evaluate(tagged, mode: entityEval)
        print(Self.entityTable(r.report))
        if let json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicWriter.write(enc.encode(r.report), to: URL(fileURLWithPath: json))
        }
        if let predictions {
            let out = try JSONLWriter(path: predictions)
            for (item, pred) in zip(tagged.items, r.predicted) {
                out.raw(#"{"line":"#); out.int(item.line)
                out.raw(#","text":"#); out.string(item.text)
                out.raw(#","gold":"#); out.strings(item.tags)
                out.raw(#","predicted":"#); out.strings(pred)
                out.raw("}")
                try out.endLine()
            }
            try out.finish()
        }
        if let report {
            var log: TrainingCurves?
            let logURL = trainingLog.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: modelDir).appendingPathComponent("training_log.jsonl")
            if FileManager.default.fileExists(atPath: logURL.path) { log = try? TrainingCurves.read(url: logURL) }
            let page = try HTMLReport(title: "Entities: \(URL(fileURLWithPath: modelDir).lastPathComponent)", entities: r.report,
                                      trainingLog: log, facts: [("model", modelDir), ("data", data), ("mode", entityEval.rawValue)])
                .write(to: URL(fileURLWithPath: report))
            CLILog.logger("sift.eval").info("report: \(page.path)")
        }
    }

    static func entityTable(_ e: EntityReport) -> String {
        let width = max(12, e.types.map(\.type.count).max() ?? 0) + 2
        func row(_ cells: [String]) -> String {
            cells[0].padding(toLength: width, withPad: " ", startingAt: 0) + cells.dropFirst().map { $0.leftPad(10) }.joined()
        }
        let f = EvalOutput.f
        var lines = [row(["type", "precision", "recall", "F1", "support"])]
        for t in e.types { lines.append(row([t.type, f(t.precision), f(t.recall), f(t.f1), "\(t.support)"])) }
        for (n, a) in [("micro avg", e.micro), ("macro avg", e.macro), ("weighted avg", e.weighted)] {
            lines.append(row([n, f(a.precision), f(a.recall), f(a.f1), "\(e.support)"]))
        }
        lines.append("")
        lines.append("entities: \(e.support) gold, \(e.predicted) predicted, \(e.correct) correct (\(e.mode.rawValue))   token accuracy \(f(e.accuracy)) over \(e.tokens) words, \(e.sentences) sentences")
        return lines.joined(separator: "\n")
    }
}
