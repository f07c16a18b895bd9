import Foundation
import Testing
import SiftData
@testable import SiftTrain

/// The bad-input checks of `sift train`, all before training starts, each naming file and line.
@Suite struct TrainingDataTests {
    func write(_ name: String, _ content: String) -> URL {
        let dir = TinyTask.tempDir()
        let u = dir.appendingPathComponent(name)
        try! Data(content.utf8).write(to: u)
        return u
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return (error as? LocalizedError)?.errorDescription ?? "\(error)" }
    }

    static let good = "text,label\na b,x\nc d,x\ne f,y\ng h,y\n"

    @Test func unknownLabelInEvalNamesFileAndLine() {
        let t = write("train.csv", Self.good), e = write("eval.csv", "text,label\nfine,x\nnew one,z\n")
        let m = message { _ = try TrainingData.load(.init(train: t, eval: e)) }
        #expect(m.contains("eval.csv") && m.contains("3") && m.contains("z"), "\(m)")
    }

    @Test func emptyTextNamesLine() {
        let t = write("train.csv", "text,label\na,x\n,x\nb,y\nc,y\n")
        let m = message { _ = try TrainingData.load(.init(train: t)) }
        #expect(m.contains("train.csv") && m.contains("3"), "\(m)")
    }

    @Test func missingLabelColumnIsNamed() {
        let t = write("train.csv", Self.good)
        let m = message { _ = try TrainingData.load(.init(train: t, labelColumn: "category")) }
        #expect(m.contains("category") && m.contains("train.csv"), "\(m)")
    }

    @Test func classWithOneExampleIsNamed() {
        let t = write("train.csv", Self.good + "lonely,z\n")
        let m = message { _ = try TrainingData.load(.init(train: t)) }
        #expect(m.contains("'z'") && m.contains("line 6") && m.contains("train.csv"), "\(m)")
    }

    @Test func notUTF8IsNamed() {
        let dir = TinyTask.tempDir()
        let u = dir.appendingPathComponent("latin1.csv")
        try! Data([0x74, 0x65, 0x78, 0x74, 0x2C, 0x6C, 0x61, 0x62, 0x65, 0x6C, 0x0A, 0x63, 0x61, 0x66, 0xE9, 0x2C, 0x78, 0x0A]).write(to: u)
        let m = message { _ = try TrainingData.load(.init(train: u)) }
        #expect(m.contains("latin1.csv") && m.contains("2"), "\(m)")
    }

    @Test func stratifiedEvalSplitKeepsEveryClass() throws {
        var rows = "text,label\n"
        for i in 0..<40 { rows += "text number \(i),\(i % 4 == 0 ? "rare" : "common")\n" }
        let t = write("train.jsonl".replacingOccurrences(of: "jsonl", with: "csv"), rows)
        let d = try TrainingData.load(.init(train: t, evalSplit: 0.2))
        #expect(d.eval.examples.count == 8)
        #expect(d.eval.examples.filter { $0.label == "rare" }.count == 2)
        #expect(d.train.labelNames == ["common", "rare"])
    }

    @Test func multiLabelJSONL() throws {
        let t = write("train.jsonl", """
        {"text": "a", "label": ["x", "y"]}
        {"text": "b", "label": "x|z"}
        {"text": "c", "label": ["y", "z"]}
        {"text": "d", "label": ["x"]}

        """)
        let e = write("eval.jsonl", "{\"text\": \"e\", \"label\": [\"z\"]}\n")
        let d = try TrainingData.load(.init(train: t, eval: e, multiLabel: true))
        #expect(d.train.labelNames == ["x", "y", "z"])
        #expect(d.train.examples[1].labels == ["x", "z"])
    }

    @Test func aTestFileIsLoadedApartAndCheckedLikeValidation() throws {
        let t = write("train.csv", Self.good), v = write("validation.csv", "text,label\nfine,x\nok,y\n")
        let test = write("test.csv", "text,label\nheld,x\nout,y\nthird,y\n")
        let d = try TrainingData.load(.init(train: t, eval: v, test: test))
        #expect(d.train.examples.count == 4 && d.eval.examples.count == 2)
        #expect(d.test?.examples.map(\.text) == ["held", "out", "third"])
        #expect(try TrainingData.load(.init(train: t, eval: v)).test == nil)
        // With a split instead of a validation file, the test file still stays out of both.
        let split = try TrainingData.load(.init(train: t, evalSplit: 0.5, test: test))
        #expect(split.train.examples.count + split.eval.examples.count == 4)
        let bad = write("test.csv", "text,label\nfine,x\nnew one,z\n")
        let m = message { _ = try TrainingData.load(.init(train: t, eval: v, test: bad)) }
        #expect(m.contains("test.csv") && m.contains("z"), "\(m)")
    }
}
