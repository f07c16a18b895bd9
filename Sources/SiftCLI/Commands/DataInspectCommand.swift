import ArgumentParser
import Foundation
import SiftData
import SiftTokenizers

/// `sift data inspect FILE`: rows, duplicates, empties, class balance, lengths and, with a
/// model, token lengths and the share of [UNK] tokens.
struct DataInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Summarize a data file: size, duplicates, balance, lengths, [UNK] share.")

    @Argument(help: "The data file.") var file: String
    @OptionGroup var data: DataFileOptions
    @Option(help: "A model folder (vocab.txt or tokenizer.json): adds token lengths and the [UNK] share.") var model: String?
    @Option(help: "Sequence length the model will be trained with (to count truncated texts).") var maxLength: Int = 128
    @Option(help: "Also write the summary as JSON here.") var json: String?

    func run() throws {
        let report = try DataInspection.run(url: URL(fileURLWithPath: file), data: data, model: model.map { URL(fileURLWithPath: $0) }, maxLength: maxLength)
        print(DataInspection.render(report, file: file))
        if let json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let w = try AtomicFileWriter(url: URL(fileURLWithPath: json))
            try w.write(String(decoding: try enc.encode(report), as: UTF8.self) + "\n")
            try w.commit()
        }
    }
}

/// Library side of `sift data inspect`, used by tests.
enum DataInspection {
    static func run(url: URL, data: DataFileOptions, model: URL?, maxLength: Int) throws -> DatasetInspection {
        let reader = try data.openReader(url)
        var counter: TokenCounter?
        if let model {
            let tok = try Tokenizer(directory: model)
            let unk = tok.unkTokenId
            var opt = EncodeOptions()
            opt.addSpecialTokens = false
            let options = opt
            counter = { text in
                let ids = tok.encode(text, options: options).ids
                return (ids.count, ids.reduce(0) { $0 + ($1 == unk ? 1 : 0) })
            }
        }
        return try DatasetInspector.inspect(reader: reader, multiLabel: data.multiLabel, tokenCounter: counter, maxLength: maxLength)
    }

    static func render(_ r: DatasetInspection, file: String) -> String {
        func pct(_ n: Int, _ d: Int) -> String { d > 0 ? String(format: "%.1f%%", 100 * Double(n) / Double(d)) : "-" }
        var lines = ["\(file)", "  rows                 \(r.rows)",
                     "  empty texts          \(r.emptyTexts) (\(pct(r.emptyTexts, r.rows)))",
                     "  duplicate rows       \(r.duplicateRows) (\(pct(r.duplicateRows, r.rows))), \(r.conflictingDuplicates) with a different label"]
        if let c = r.characters {
            lines.append("  length (characters)  min \(c.min), median \(c.median), mean \(String(format: "%.1f", c.mean)), p95 \(c.p95), max \(c.max)")
        }
        if let t = r.tokens {
            if let l = t.lengths {
                lines.append("  length (tokens)      min \(l.min), median \(l.median), mean \(String(format: "%.1f", l.mean)), p95 \(l.p95), max \(l.max)")
            }
            lines.append("  [UNK] tokens         \(t.unknownTokens) of \(t.totalTokens) (\(String(format: "%.2f%%", 100 * t.unknownShare)))\(t.unknownShare > 0.05 ? "  <- this model cannot read much of this text" : "")")
            lines.append("  longer than \(t.maxLength)      \(t.longerThanMax) (\(pct(t.longerThanMax, r.rows))) will be truncated")
        }
        if let labels = r.labelCounts {
            lines.append("  labels               \(labels.count)\(r.missingLabels > 0 ? ", \(r.missingLabels) rows without a label" : "")")
            let total = labels.values.reduce(0, +)
            let width = labels.keys.map(\.count).max() ?? 0
            for (l, n) in labels.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                let bar = String(repeating: "#", count: total > 0 ? Int((30 * Double(n) / Double(total)).rounded()) : 0)
                lines.append("    \(l.padding(toLength: width, withPad: " ", startingAt: 0))  \(String(n).leftPad(7))  \(pct(n, total).leftPad(6))  \(bar)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
