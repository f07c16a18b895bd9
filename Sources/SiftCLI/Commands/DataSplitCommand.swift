import ArgumentParser
import Foundation
import SiftData

/// `sift data split FILE --out-dir DIR`: seeded, stratified train/validation/test files.
struct DataSplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "split", abstract: "Stratified, seeded train/validation/test split (multi-label aware).")

    @Argument(help: "The labeled data file.") var file: String
    @Option(help: "Folder for train/validation/test files (same format as the input).") var outDir: String
    @OptionGroup var data: DataFileOptions
    @Option(help: "Share for validation.") var validation: Double = 0.1
    @Option(help: "Share for test.") var test: Double = 0.1
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Skip rows with an empty text or no label (counted) instead of stopping at the first.") var skipBad = false

    func validate() throws {
        guard validation >= 0, test >= 0, validation + test < 1 else { throw ValidationError("--validation and --test must be ≥ 0 and leave something to train on") }
    }

    func run() throws {
        let s = try DataSplitting.run(input: URL(fileURLWithPath: file), outDir: URL(fileURLWithPath: outDir), data: data,
                                      validation: validation, test: test, seed: seed, policy: skipBad ? .skip : .fail)
        print(s)
    }
}

enum DataSplitting {
    /// Splits and writes `train`, `validation` and `test` files; returns a printable summary.
    static func run(input: URL, outDir: URL, data: DataFileOptions, validation: Double, test: Double, seed: UInt64,
                    policy: BadRowPolicy) throws -> String {
        let reader = try RecordReader(url: input, options: try data.readOptions())
        let validator = ExampleValidator(multiLabel: data.multiLabel, policy: policy)
        var skips = SkipReport()
        var records: [Record] = []
        var labels: [[String]] = []
        try reader.forEach { r in
            if let e = try validator.validate(r, file: input.path, labelColumn: data.labelColumn, skips: &skips) {
                records.append(r); labels.append(e.labels)
            }
        }
        let split = try StratifiedSplit.split(labels: labels, train: 1 - validation - test, validation: validation, test: test,
                                              seed: seed, multiLabel: data.multiLabel)
        let ext = input.pathExtension.isEmpty ? reader.format.rawValue : input.pathExtension
        var lines = ["read \(records.count + skips.total) rows; \(skips)"]
        for (name, idx) in [("train", split.train), ("validation", split.validation), ("test", split.test)] {
            let url = outDir.appendingPathComponent("\(name).\(ext)")
            let w = try RecordWriter(url: url, format: reader.format, header: reader.header, textColumn: data.textColumn)
            for i in idx { try w.write(records[i]) }
            try w.commit()
            var counts: [String: Int] = [:]
            for i in idx { for l in labels[i] { counts[l, default: 0] += 1 } }
            let balance = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(String(idx.count).leftPad(7)) rows -> \(url.path)  (\(balance))")
        }
        return lines.joined(separator: "\n")
    }
}
