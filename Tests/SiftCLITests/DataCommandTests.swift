import Foundation
import Testing
@testable import SiftCLI
import SiftData
import SiftTestSupport

@Suite struct DataCommandTests {
    func dir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sift-data-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func inspectWithModelReportsUnknownShare() throws {
        let d = try dir()
        let f = d.appendingPathComponent("r.csv")
        try "text,label\nthe film was good,pos\n这部电影很好看,pos\nthe film was good,neg\n".write(to: f, atomically: true, encoding: .utf8)
        guard FileManager.default.fileExists(atPath: TestPaths.miniLM.appendingPathComponent("vocab.txt").path) else {
            print("skipping: MiniLM not installed (scripts/setup.sh)"); return
        }
        let cmd = try SiftCommand.parseAsRoot(["data", "inspect", f.path, "--model", TestPaths.miniLM.path]) as! DataInspectCommand
        let r = try DataInspection.run(url: f, data: cmd.data, model: TestPaths.miniLM, maxLength: 128)
        #expect(r.rows == 3 && r.duplicateRows == 1 && r.conflictingDuplicates == 1)
        #expect(r.labelCounts == ["pos": 2, "neg": 1])
        // "the film was good" is 4 known tokens twice; the Chinese line has 7 characters, some
        // outside bert-base-uncased's vocabulary.
        let t = try #require(r.tokens)
        #expect(t.totalTokens == 8 + 7)
        #expect(t.unknownTokens > 0 && t.unknownTokens < 7)
        #expect(DataInspection.render(r, file: "r.csv").contains("[UNK] tokens"))
    }

    @Test func cleanThenSplitWritesFilesAndReports() throws {
        let d = try dir()
        let f = d.appendingPathComponent("in.csv")
        var s = "text,label\n"
        for i in 0..<100 { s += "\"example number \(i) with words\",\(i % 4 == 0 ? "rare" : "common")\n" }
        s += "\"example number 1   with words\",common\n,common\n"
        try s.write(to: f, atomically: true, encoding: .utf8)
        let cleaned = d.appendingPathComponent("clean.csv")
        let clean = try SiftCommand.parseAsRoot(["data", "clean", f.path, "-o", cleaned.path, "--no-near-duplicates"]) as! DataCleanCommand
        let summary = try DataCleaning.run(input: f, output: cleaned, data: clean.data, nearThreshold: nil, normalize: true)
        #expect(summary.rowsIn == 102 && summary.rowsOut == 100)
        #expect(DataCleaning.render(summary).contains("drop exact duplicates: 1"))

        let out = d.appendingPathComponent("splits")
        let split = try SiftCommand.parseAsRoot(["data", "split", cleaned.path, "--out-dir", out.path, "--seed", "7"]) as! DataSplitCommand
        let text = try DataSplitting.run(input: cleaned, outDir: out, data: split.data, validation: 0.1, test: 0.2, seed: 7, policy: .fail)
        #expect(text.contains("test"))
        let test = try RecordReader(url: out.appendingPathComponent("test.csv"), labelColumn: "label").readAll()
        let train = try RecordReader(url: out.appendingPathComponent("train.csv"), labelColumn: "label").readAll()
        let val = try RecordReader(url: out.appendingPathComponent("validation.csv"), labelColumn: "label").readAll()
        #expect(test.count == 20 && val.count == 10 && train.count == 70)
        #expect(test.filter { $0.label == "rare" }.count == 5)
        #expect(Set((train + val + test).map(\.text)).count == 100)
        // Same seed, same files.
        let out2 = d.appendingPathComponent("splits2")
        _ = try DataSplitting.run(input: cleaned, outDir: out2, data: split.data, validation: 0.1, test: 0.2, seed: 7, policy: .fail)
        #expect(try Data(contentsOf: out.appendingPathComponent("test.csv")) == Data(contentsOf: out2.appendingPathComponent("test.csv")))
        // A bad row stops a split with its line, unless --skip-bad.
        let bad = d.appendingPathComponent("bad.csv")
        try "text,label\na,x\n,x\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { _ = try DataSplitting.run(input: bad, outDir: out, data: split.data, validation: 0, test: 0.5, seed: 1, policy: .fail) }
    }
}
