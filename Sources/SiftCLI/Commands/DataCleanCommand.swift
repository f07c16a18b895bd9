import ArgumentParser
import Foundation
import SiftData

/// `sift data clean FILE -o OUT`: whitespace normalization, empty rows, exact and near
/// duplicates; prints what each step removed.
struct DataCleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Normalize whitespace and drop empty rows, exact and near duplicates.")

    @Argument(help: "The data file.") var file: String
    @Option(name: .shortAndLong, help: "Where to write the cleaned file (same format; written atomically).") var output: String
    @OptionGroup var data: DataFileOptions
    @Option(help: "Near-duplicate threshold: estimated Jaccard similarity of character 5-grams (0-1).") var nearThreshold: Double = 0.9
    @Flag(help: "Keep near duplicates (exact duplicates are still dropped).") var noNearDuplicates = false
    @Flag(help: "Keep the text exactly as written (no whitespace normalization).") var keepWhitespace = false

    func validate() throws {
        guard nearThreshold > 0, nearThreshold <= 1 else { throw ValidationError("--near-threshold must be in (0, 1]") }
    }

    func run() throws {
        let steps = try DataCleaning.run(input: URL(fileURLWithPath: file), output: URL(fileURLWithPath: output), data: data,
                                         nearThreshold: noNearDuplicates ? nil : nearThreshold, normalize: !keepWhitespace)
        print(DataCleaning.render(steps))
    }
}

enum DataCleaning {
    struct Summary { var rowsIn: Int; var rowsOut: Int; var steps: [DataCleaner.StepReport] }

    static func run(input: URL, output: URL, data: DataFileOptions, nearThreshold: Double?, normalize: Bool) throws -> Summary {
        let reader = try data.openReader(input)
        let records = try reader.readAll()
        var opts = DataCleaner.Options()
        opts.nearDuplicateThreshold = nearThreshold
        opts.normalizeWhitespace = normalize
        let result = DataCleaner(options: opts).clean(records)
        let writer = try RecordWriter(url: output, format: reader.format, header: reader.header, textColumn: data.textColumn)
        for (i, text) in zip(result.kept, result.texts) { try writer.write(records[i], text: text) }
        try writer.commit()
        return Summary(rowsIn: records.count, rowsOut: result.kept.count, steps: result.steps)
    }

    static func render(_ s: Summary) -> String {
        var lines = ["read \(s.rowsIn) rows"]
        for st in s.steps {
            var l = "  \(st.step): \(st.affected)"
            if let n = st.note { l += " (\(n))" }
            if !st.examples.isEmpty { l += "; e.g. " + st.examples.joined(separator: ", ") }
            lines.append(l)
        }
        lines.append("wrote \(s.rowsOut) rows (\(s.rowsIn - s.rowsOut) removed)")
        return lines.joined(separator: "\n")
    }
}
