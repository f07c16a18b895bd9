import Foundation
import Testing
import SiftTestSupport
@testable import SiftData

@Suite struct DatasetTests {
    @Test func singleLabelLoadAndValidation() throws {
        let url = try tempFile("d.csv", "text,label\ngood,pos\n  ,neg\nbad,neg\nodd,\nugly,meh\n")
        // Default policy: the first bad row stops the load, naming file, line and problem.
        #expect {
            _ = try LabeledDataset.load(url: url)
        } throws: { e in
            guard case .emptyText(let loc)? = e as? DataError else { return false }
            return loc.line == 3 && loc.file == url.path
        }
        // Skip policy with a fixed label set: every bad row is counted by reason.
        let ds = try LabeledDataset.load(url: url, knownLabels: ["neg", "pos"], policy: .skip)
        #expect(ds.examples.map(\.text) == ["good", "bad"])
        #expect(ds.labelNames == ["neg", "pos"])
        #expect(ds.labelIndices == [1, 0])
        #expect(ds.skipped.counts == ["empty text": 1, "missing label": 1, "unknown label": 1])
        #expect(ds.skipped.examples["unknown label"] == [6])
        #expect(ds.skipped.description.contains("skipped 3 rows"))
        // An unknown label as an error lists the labels the model knows.
        #expect {
            _ = try LabeledDataset.load(url: try tempFile("u.csv", "text,label\nx,meh\n"), knownLabels: ["neg", "pos"])
        } throws: { e in
            (e as? DataError)?.errorDescription?.contains("unknown label 'meh'; the model knows: neg, pos") == true
        }
        // A missing label column.
        #expect(throws: DataError.self) { _ = try LabeledDataset.load(url: try tempFile("m.csv", "text,y\nx,1\n")) }
        #expect(throws: DataError.self) { _ = try LabeledDataset.load(url: try tempFile("m.jsonl", "{\"text\":\"x\"}\n")) }
    }

    @Test func multiLabelPipeAndJSONLists() throws {
        let url = try tempFile("m.jsonl", """
        {"text": "a", "label": "x|y"}
        {"text": "b", "label": ["y", "z"]}
        {"text": "c", "label": []}
        {"text": "d", "label": "z"}
        """)
        let ds = try LabeledDataset.load(url: url, multiLabel: true)
        #expect(ds.examples.map(\.labels) == [["x", "y"], ["y", "z"], [], ["z"]])
        #expect(ds.labelNames == ["x", "y", "z"])
    }

    @Test func stratifiedSingleLabelSplitIsSeededAndBalanced() throws {
        var labels: [[String]] = []
        for i in 0..<1000 { labels.append([i % 10 == 0 ? "rare" : (i % 2 == 0 ? "a" : "b")]) }
        let s = try StratifiedSplit.split(labels: labels, train: 0.7, validation: 0.1, test: 0.2, seed: 42, multiLabel: false)
        #expect(s.train.count + s.validation.count + s.test.count == 1000)
        #expect(Set(s.train + s.validation + s.test).count == 1000)
        // Class shares in each part equal the whole's (100 rare, 400 a, 500 b).
        func count(_ idx: [Int], _ l: String) -> Int { idx.filter { labels[$0] == [l] }.count }
        #expect(count(s.test, "rare") == 20 && count(s.validation, "rare") == 10 && count(s.train, "rare") == 70)
        #expect(count(s.test, "a") == 80 && count(s.test, "b") == 100)
        // Same seed, same split; another seed, another split.
        #expect(try StratifiedSplit.split(labels: labels, train: 0.7, validation: 0.1, test: 0.2, seed: 42, multiLabel: false) == s)
        #expect(try StratifiedSplit.split(labels: labels, train: 0.7, validation: 0.1, test: 0.2, seed: 7, multiLabel: false) != s)
        #expect(throws: DataError.self) { _ = try StratifiedSplit.split(labels: labels, train: 0.7, validation: 0.1, test: 0.1, seed: 1, multiLabel: false) }
    }

    @Test func iterativeStratificationKeepsRareLabelsInEveryPart() throws {
        var labels: [[String]] = []
        for i in 0..<600 {
            var l: [String] = []
            if i % 2 == 0 { l.append("common") }
            if i % 3 == 0 { l.append("mid") }
            if i % 30 == 0 { l.append("rare") }   // 20 examples
            labels.append(l)
        }
        let s = try StratifiedSplit.split(labels: labels, train: 0.6, validation: 0.2, test: 0.2, seed: 3, multiLabel: true)
        #expect(Set(s.train + s.validation + s.test).count == 600)
        for (part, share) in [(s.train, 0.6), (s.validation, 0.2), (s.test, 0.2)] {
            for (l, total) in [("common", 300.0), ("mid", 200.0), ("rare", 20.0)] {
                let n = Double(part.filter { labels[$0].contains(l) }.count)
                #expect(abs(n - total * share) <= 1, "label \(l): \(n) vs \(total * share)")
            }
            #expect(abs(Double(part.count) - 600 * share) <= 3)
        }
    }
}
