import Foundation
import SiftData

/// One evaluated example: its text, gold label indices and a score per label.
public struct PredictedExample: Sendable, Equatable {
    public var line: Int
    public var text: String
    public var gold: [Int]
    public var scores: [Double]
    public init(line: Int, text: String, gold: [Int], scores: [Double]) {
        self.line = line; self.text = text; self.gold = gold; self.scores = scores
    }
}

/// Predictions for a whole evaluation set: what `sift eval --predictions` writes, and what
/// the metrics and the HTML report are computed from (so both are testable without a model).
public struct PredictionSet: Sendable, Equatable {
    public var labels: [String]
    public var multiLabel: Bool
    public var examples: [PredictedExample]
    /// Multi-label decision thresholds (0.5 when nil).
    public var thresholds: [Double]?

    public init(labels: [String], multiLabel: Bool, examples: [PredictedExample], thresholds: [Double]? = nil) {
        self.labels = labels; self.multiLabel = multiLabel; self.examples = examples; self.thresholds = thresholds
    }

    public func predicted(_ e: PredictedExample) -> [Int] {
        if multiLabel {
            let th = thresholds ?? [Double](repeating: 0.5, count: labels.count)
            return e.scores.indices.filter { e.scores[$0] >= th[$0] }
        }
        return [e.scores.indices.max { e.scores[$0] < e.scores[$1] || (e.scores[$0] == e.scores[$1] && $0 > $1) } ?? 0]
    }

    public func singleLabel() -> SingleLabelEvaluation {
        SingleLabelEvaluation.compute(yTrue: examples.map { $0.gold.first ?? -1 }, probabilities: examples.map(\.scores), labels: labels)
    }

    public func multiLabelEvaluation() -> MultiLabelEvaluation {
        let L = labels.count
        let y = examples.map { e in (0..<L).map { e.gold.contains($0) } }
        return MultiLabelEvaluation.compute(yTrue: y, scores: examples.map(\.scores), labels: labels, thresholds: thresholds)
    }

    // MARK: JSONL

    /// One object per line: {"line", "text", "gold", "predicted", "scores": {label: score}};
    /// gold and predicted are strings (single-label) or lists (multi-label). Keys in label order.
    public func writeJSONL(to url: URL) throws {
        let w = try AtomicFileWriter(url: url)
        for e in examples {
            let pred = predicted(e)
            // Hand-written: JSONSerialization on Linux does not round-trip every Double.
            func value(_ idx: [Int]) -> String {
                multiLabel ? "[" + idx.map { Self.quote(labels[$0]) }.joined(separator: ",") + "]"
                           : (idx.first.map { Self.quote(labels[$0]) } ?? "null")
            }
            let scores = zip(labels, e.scores).map { "\(Self.quote($0)):\($1.isFinite ? "\($1)" : "null")" }.joined(separator: ",")
            try w.write("{\"line\":\(e.line),\"text\":\(Self.quote(e.text)),\"gold\":\(value(e.gold)),\"predicted\":\(value(pred)),\"scores\":{\(scores)}}\n")
        }
        try w.commit()
    }

    /// Reads a predictions JSONL back. Labels are the score keys of the first line (sorted);
    /// multi-label when gold values are lists.
    public static func readJSONL(url: URL) throws -> PredictionSet {
        let reader = try RecordReader(url: url, options: ReadOptions(format: .jsonl, textColumn: "text", labelColumn: "gold"))
        var labels: [String]?
        var index: [String: Int] = [:]
        var multi: Bool?
        var examples: [PredictedExample] = []
        try reader.forEach { r in
            let loc = SourceLocation(file: url.path, line: r.line)
            let obj: PredictionLine
            do { obj = try JSONDecoder().decode(PredictionLine.self, from: Data((r.raw ?? "").utf8)) } catch {
                throw DataError.invalidJSON(loc, reason: "expected {\"text\", \"gold\", \"scores\": {label: number}}")
            }
            if labels == nil {
                labels = obj.scores.keys.sorted()
                index = Dictionary(uniqueKeysWithValues: labels!.enumerated().map { ($1, $0) })
            }
            let ls = labels!
            guard Set(obj.scores.keys) == Set(ls) else {
                throw DataError.invalidLabel(loc, reason: "the scores' labels differ from the first line's")
            }
            if multi == nil { multi = obj.gold.isList }
            let gold = try obj.gold.names.map { g -> Int in
                guard let i = index[g] else { throw DataError.unknownLabel(loc, label: g, known: ls) }
                return i
            }
            examples.append(PredictedExample(line: obj.line ?? r.line, text: obj.text, gold: gold, scores: ls.map { obj.scores[$0]! }))
        }
        return PredictionSet(labels: labels ?? [], multiLabel: multi ?? false, examples: examples)
    }
}

/// One line of a predictions file, decoded with JSONDecoder (exact Double parsing).
struct PredictionLine: Decodable {
    enum Gold: Decodable {
        case one(String), many([String])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .one(s) } else { self = .many(try c.decode([String].self)) }
        }
        var names: [String] { switch self { case .one(let s): [s]; case .many(let l): l } }
        var isList: Bool { if case .many = self { true } else { false } }
    }
    var line: Int?
    var text: String
    var gold: Gold
    var scores: [String: Double]
}

extension PredictionSet {
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// A trainer's JSONL log: one object per logging step with numeric values (loss, learning
/// rate, validation metrics...). The x axis is "step" (or "global_step", else the line number).
public struct TrainingCurves: Sendable, Equatable {
    public var series: [String: [(x: Double, y: Double)]]

    public static func == (a: TrainingCurves, b: TrainingCurves) -> Bool {
        a.series.keys.sorted() == b.series.keys.sorted() && a.series.allSatisfy { k, v in
            let w = b.series[k]!
            return v.count == w.count && zip(v, w).allSatisfy { $0.x == $1.x && $0.y == $1.y }
        }
    }

    public static func read(url: URL) throws -> TrainingCurves {
        let reader = try RecordReader(url: url, options: ReadOptions(format: .text))
        var series: [String: [(x: Double, y: Double)]] = [:]
        var n = 0
        try reader.forEach { r in
            guard !r.text.trimmingCharacters(in: .whitespaces).isEmpty else { return }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [String: Any] else {
                throw DataError.invalidJSON(SourceLocation(file: url.path, line: r.line), reason: "not a JSON object")
            }
            n += 1
            let x = (obj["step"] as? NSNumber ?? obj["global_step"] as? NSNumber)?.doubleValue ?? Double(n)
            // Sift's trainer writes {"type": "eval", "metric": "macro_f1", "value": 0.9}: name
            // the value by its metric.
            if let metric = obj["metric"] as? String, let v = obj["value"] as? NSNumber, v.doubleValue.isFinite {
                series["eval_\(metric)", default: []].append((x, v.doubleValue))
            }
            for (k, v) in obj where !["step", "global_step", "epoch", "time", "timestamp", "value", "patience"].contains(k) {
                // Booleans arrive as char-typed NSNumbers (and `is Bool` is true for 1.0 on Linux).
                guard let num = v as? NSNumber, String(cString: num.objCType) != "c", num.doubleValue.isFinite else { continue }
                series[k, default: []].append((x, num.doubleValue))
            }
        }
        return TrainingCurves(series: series)
    }
}
