import ArgumentParser
import Foundation
import Logging
import SiftData

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

    func run() throws {
        var cfg = try config.map { try RedactionConfig.load(url: URL(fileURLWithPath: $0)) } ?? RedactionConfig()
        if let kinds { cfg.kinds = kinds.values }
        if let env = hashKeyEnv {
            guard let key = ProcessInfo.processInfo.environment[env], !key.isEmpty else {
                throw ValidationError("environment variable \(env) is not set or empty")
            }
            cfg.hashKey = key
        }
        let report = try RedactionRun.run(input: StandardInput.resolve(file), output: output.map { URL(fileURLWithPath: $0) },
                                          config: cfg, encoding: encoding, lossy: lossy)
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
    public static func run(input: URL, output: URL?, config: RedactionConfig, encoding: TextEncoding?, lossy: Bool) throws -> RedactionReport {
        let redactor = try Redactor(config: config)
        let reader = try RecordReader(url: input, options: ReadOptions(format: .text, encoding: encoding, lossy: lossy))
        var report = RedactionReport()
        let writer = try output.map { try AtomicFileWriter(url: $0) }
        var stdoutBuffer = ""
        try reader.forEach { r in
            let (text, matches) = redactor.redact(r.text)
            report.add(matches)
            if let writer { try writer.write(text + "\n") } else {
                stdoutBuffer += text + "\n"
                if stdoutBuffer.utf8.count > 1 << 16 { FileHandle.standardOutput.write(Data(stdoutBuffer.utf8)); stdoutBuffer = "" }
            }
        }
        if let writer { try writer.commit() } else { FileHandle.standardOutput.write(Data(stdoutBuffer.utf8)) }
        return report
    }
}
