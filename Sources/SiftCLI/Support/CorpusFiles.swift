import ArgumentParser
import Foundation
import Logging
import SiftData

/// Domain text for `sift vocab extend` and `sift pretrain`: plain lines, CSV/TSV or JSONL by
/// extension, the text in `textColumn`; empty texts skipped, an empty file refused by name.
enum CorpusFiles {
    static func read(_ paths: [String], textColumn: String, log: Logger) throws -> [String] {
        guard !paths.isEmpty else { throw ValidationError("give at least one --corpus file") }
        var texts: [String] = []
        for path in paths {
            let url = URL(fileURLWithPath: path)
            let format = DataFormat.infer(from: url) ?? .text
            let reader = try RecordReader(url: url, options: ReadOptions(format: format, textColumn: textColumn))
            let before = texts.count
            try reader.forEach { if !$0.text.isEmpty { texts.append($0.text) } }
            guard texts.count > before else { throw ValidationError("\(path): no texts (empty corpus file)") }
            log.info("\(path): \(texts.count - before) texts")
        }
        return texts
    }
}
