import ArgumentParser
import Foundation
import Logging
import SiftData
import SiftInference

/// `sift redact`: replaces personal data in a text file (any line-based format), line by line.
struct RedactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redact",
        abstract: "Replace payment cards, phones, e-mails, Chinese IDs, IBANs, SSNs and IPs with placeholders or keyed hashes.",
        discussion: """
        Reads FILE (or standard input) line by line and writes the redacted lines to --output (or stdout); \
        counts by kind go to stderr. Works on CSV, TSV, JSONL and plain text alike: placeholders \
        contain no commas, quotes or tabs. Set --hash-key-env to the name of an environment \
        variable holding a secret to get [KIND:hash] tokens instead of [KIND].
        """)

    @Argument(help: "Input file ('-' or nothing: standard input).") var file: String = "-"
    @Option(name: .shortAndLong, help: "Output file (written atomically); stdout when absent.") var output: String?
    @Option(help: "JSON config: {\"kinds\": [...], \"patterns\": [{\"name\": ..., \"regex\": ...}]}.") var config: String?
    @Option(help: "Comma-separated kinds to detect (card,phone,email,cn_id,iban,ssn,ip); all by default.")
    var kinds: CommaSeparated<PIIKind>?
    @Option(help: "Name of an environment variable holding the key for keyed hashes.") var hashKeyEnv: String?
    @Option(help: "Input encoding (default: UTF-8, BOM detected).") var encoding: TextEncoding?
    @Flag(help: "Replace invalid bytes with U+FFFD instead of stopping.") var lossy = false
    @Option(help: "Write the counts by kind as JSON to this file.") var reportJSON: String?
    @Option(help: "Also mask the entities a token-classification folder finds (names, places, ...), as [TYPE].") var ner: String?
    @Option(help: "With --ner: entity types to mask, comma-separated (default: every type the model has).") var nerTypes: String?
    @Option(help: "With --ner: mask only entities scored at least this.") var nerMinScore: Float = 0

    func run() throws {
        var cfg = try config.map { try RedactionConfig.load(url: URL(fileURLWithPath: $0)) } ?? RedactionConfig()
        if let kinds { cfg.kinds = kinds.values }
        if let env = hashKeyEnv {
            guard let key = ProcessInfo.processInfo.environment[env], !key.isEmpty else {
                throw ValidationError("environment variable \(env) is not set or empty")
            }
            cfg.hashKey = key
        }
        var spans: RedactionRun.SpanFinder?
        if let ner {
            let bundle = try ModelBundle(directory: URL(fileURLWithPath: ner))
            let recognizer = try bundle.requireEntityRecognizer()
            let runner = OfflineRunner(bundle: bundle)
            let types = nerTypes.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }) }
            let known = Set(recognizer.classifier.labels.filter { $0 != "O" }.map { String($0.split(separator: "-", maxSplits: 1).last ?? "") }.map { $0.uppercased() })
            if let types, let unknown = types.subtracting(known).sorted().first {
                throw ValidationErrorMessage("--ner-types: \(unknown) is not a type of \(ner) (\(known.sorted().joined(separator: ", ")))")
            }
            let minScore = nerMinScore
            spans = { texts in
                let found = try runner.entities(texts, options: EntityOptions(aggregation: .first, stride: 32))
                return zip(texts, found).map { text, entities in
                    entities.compactMap { e in
                        let type = e.label.uppercased()
                        guard e.score >= minScore, types?.contains(type) ?? true else { return nil }
                        return PIIMatch(kind: type, codePoints: e.start..<e.end, in: text)
                    }
                }
            }
        }
        let report = try RedactionRun.run(input: StandardInput.resolve(file), output: output.map { URL(fileURLWithPath: $0) },
                                          config: cfg, encoding: encoding, lossy: lossy, spans: spans)
        let log = CLILog.logger("sift.redact")
        log.info("redacted \(report.total) items in \(report.textsWithPII) of \(report.texts) lines")
        for (k, v) in report.counts.sorted(by: { $0.key < $1.key }) { log.info("  \(k): \(v)") }
        if let reportJSON {
            let data = try JSONSerialization.data(withJSONObject: ["counts": report.counts, "lines": report.texts, "lines_with_pii": report.textsWithPII], options: [.sortedKeys, .prettyPrinted])
            let w = try AtomicFileWriter(url: URL(fileURLWithPath: reportJSON))
            try w.write(String(decoding: data, as: UTF8.self) + "\n")
            try w.commit()
        }
    }
}

/// The library side of `sift redact`, callable from tests.
public enum RedactionRun {
    /// Extra spans to mask for a chunk of lines (a NER model), one list per line.
    public typealias SpanFinder = ([String]) throws -> [[PIIMatch]]

    public static func run(input: URL, output: URL?, config: RedactionConfig, encoding: TextEncoding?, lossy: Bool,
                           spans: SpanFinder? = nil) throws -> RedactionReport {
        let redactor = try Redactor(config: config)
        let reader = try RecordReader(url: input, options: ReadOptions(format: .text, encoding: encoding, lossy: lossy))
        var report = RedactionReport()
        let writer = try output.map { try AtomicFileWriter(url: $0) }
        var stdoutBuffer = ""
        var chunk: [String] = []
        func flush() throws {
            let extra = try spans?(chunk) ?? []
            for (i, line) in chunk.enumerated() {
                let (text, matches) = redactor.redact(line, extra: i < extra.count ? extra[i] : [])
                report.add(matches)
                if let writer { try writer.write(text + "\n") } else {
                    stdoutBuffer += text + "\n"
                    if stdoutBuffer.utf8.count > 1 << 16 { FileHandle.standardOutput.write(Data(stdoutBuffer.utf8)); stdoutBuffer = "" }
                }
            }
            chunk.removeAll(keepingCapacity: true)
        }
        // Lines go through in chunks, so a NER model sees batches; without one a chunk is a line.
        let chunkSize = spans == nil ? 1 : 32
        try reader.forEach { r in
            chunk.append(r.text)
            if chunk.count >= chunkSize { try flush() }
        }
        try flush()
        if let writer { try writer.commit() } else { FileHandle.standardOutput.write(Data(stdoutBuffer.utf8)) }
        return report
    }
}
