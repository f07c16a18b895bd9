import Foundation
import SiftData

/// The benchmark corpus: every BBC document and every Chinese review.
public enum BenchCorpus {
    public static func load(dataDir: URL) throws -> [String] {
        var texts = try BBCCorpus.load(directory: dataDir.appendingPathComponent("bbc")).examples.map(\.text)
        for name in ["pos.txt", "neg.txt"] {
            let d = try Data(contentsOf: dataDir.appendingPathComponent("chinese-reviews").appendingPathComponent(name))
            texts += String(decoding: d, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return texts
    }
}

/// Writes the benchmark CSV: the real corpora repeated, with PII sprinkled in.
public enum BenchDataCorpus {
    public static func write(to url: URL, dataDir: URL, copies: Int) throws -> (rows: Int, bytes: Int) {
        let bbc = try BBCCorpus.load(directory: dataDir.appendingPathComponent("bbc"))
        var items = bbc.examples.map { ($0.text, $0.label) }
        for (name, label) in [("pos.txt", "pos"), ("neg.txt", "neg")] {
            let reader = try RecordReader(url: dataDir.appendingPathComponent("chinese-reviews").appendingPathComponent(name), format: .text)
            try reader.forEach { items.append(($0.text, label)) }
        }
        let pii = ["call 13812345678", "card 4111 1111 1111 1111", "mail jane.doe@example.com", "from 192.168.10.20",
                   "IBAN GB82 WEST 1234 5698 7654 32", "ID 11010519491231002X", "SSN 123-45-6789"]
        let w = try RecordWriter(url: url, format: .csv, header: ["text", "label"], textColumn: "text")
        var rows = 0
        for c in 0..<copies {
            for (i, (t, l)) in items.enumerated() {
                let text = (i + c) % 7 == 0 ? t + " " + pii[(i / 7 + c) % pii.count] : t
                try w.write(Record(line: 0, text: text, label: l, fields: ["text": text, "label": l]))
                rows += 1
            }
        }
        try w.commit()
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        return (rows, size)
    }
}
