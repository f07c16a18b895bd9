import ArgumentParser
import Foundation
import SiftBench
import SiftData
import SiftEval

/// `sift bench data`: CSV reading, PII redaction and metrics against Python (csv module,
/// `re` with the same checksums, scikit-learn) on the same generated corpus, same run.
struct BenchDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "CSV reading, PII redaction and metrics against Python's csv/re/scikit-learn, same data, same run.")

    @Option(help: "Folder with bbc/ and chinese-reviews/ (scripts/setup.sh).") var data = ".data"
    @Option(help: "Python with numpy and scikit-learn; empty to skip the comparison.") var python = ".venv/bin/python"
    @Option(help: "Times the corpus is repeated in the CSV.") var copies = 10
    @Option(help: "Timed repetitions (the best is kept).") var repeats = 3
    @Option(help: "Examples for the metrics benchmark.") var metricsExamples = 200_000

    func run() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-bench-data-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("corpus.csv")
        let (rows, bytes) = try BenchDataCorpus.write(to: csv, dataDir: URL(fileURLWithPath: data), copies: copies)
        print("corpus: \(rows) rows, \(String(format: "%.1f", Double(bytes) / 1e6)) MB CSV (BBC news with line breaks in quoted fields, Chinese reviews, PII in every 7th text)")

        func best<T>(_ body: () throws -> T) rethrows -> (Double, T) {
            var t = Double.infinity
            var r: T? = nil
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                r = try body()
                t = min(t, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return (t, r!)
        }
        // 1. CSV reading.
        let (readT, n) = try best { () -> Int in
            let reader = try RecordReader(url: csv, labelColumn: "label")
            var n = 0, chars = 0
            while let r = try reader.next() { n += 1; chars &+= r.text.utf8.count }
            return n
        }
        // 2. Redaction of every text (one thread).
        let texts = try RecordReader(url: csv, labelColumn: "label").readAll().map(\.text)
        let textBytes = texts.reduce(0) { $0 + $1.utf8.count }
        let redactor = try Redactor()
        let (redT, found) = best { texts.reduce(0) { $0 + redactor.matches(in: $1).count } }
        // 3. Metrics on random 5-class predictions.
        var rng = SeededGenerator(seed: 1)
        let k = 5
        var y: [Int] = [], p: [[Double]] = []
        for _ in 0..<metricsExamples {
            let c = Int(rng.next() % UInt64(k))
            var s = (0..<k).map { _ in Double(rng.next() % 1000) / 1000 }
            s[c] += 0.8
            let total = s.reduce(0, +)
            y.append(c); p.append(s.map { $0 / total })
        }
        let labels = (0..<k).map { "c\($0)" }
        let (metT, ev) = best { SingleLabelEvaluation.compute(yTrue: y, probabilities: p, labels: labels) }
        let metricsFile = dir.appendingPathComponent("metrics.json")
        try JSONSerialization.data(withJSONObject: ["y": y, "p": p]).write(to: metricsFile)

        var py: [String: Any] = [:]
        if !python.isEmpty, FileManager.default.isExecutableFile(atPath: python) {
            let out = try runProcess(python, ["bench/data_py.py", csv.path, metricsFile.path, "\(repeats)"])
            py = (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]) ?? [:]
        } else {
            print("(no Python at \(python): run scripts/python-env.sh for the comparison)")
        }
        func ratio(_ sift: Double, _ key: String) -> String {
            guard let t = py[key] as? Double else { return "-" }
            return String(format: "%.2fx", t / sift)
        }
        func secs(_ key: String) -> String { (py[key] as? Double).map { String(format: "%.3f s", $0) } ?? "-" }
        print("task                        sift          python        speed-up")
        print("read CSV (\(n) rows)".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: "%.3f s", readT).leftPad(10) + secs("csv_seconds").leftPad(14) + ratio(readT, "csv_seconds").leftPad(12))
        print("redact (\(String(format: "%.1f", Double(textBytes) / 1e6)) MB)".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: "%.3f s", redT).leftPad(10) + secs("redact_seconds").leftPad(14) + ratio(redT, "redact_seconds").leftPad(12))
        print("metrics (\(metricsExamples) x \(k))".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: "%.3f s", metT).leftPad(10) + secs("metrics_seconds").leftPad(14) + ratio(metT, "metrics_seconds").leftPad(12))
        print(String(format: "sift: CSV %.0f MB/s, redaction %.1f MB/s (%d items found", Double(bytes) / 1e6 / readT, Double(textBytes) / 1e6 / redT, found)
              + (py["redact_found"].map { ", python regexes found \($0)" } ?? "") + ")")
        if let auc = py["macro_auc"] as? Double, let mine = ev.rocAUCMacro {
            print(String(format: "check: macro ROC-AUC sift %.12f, scikit-learn %.12f", mine, auc))
        }
        if let rowsPy = py["csv_rows"] as? Int, rowsPy != n { print("warning: Python read \(rowsPy) rows, Sift \(n)") }
    }
}
