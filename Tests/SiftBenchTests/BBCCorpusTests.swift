import Foundation
import Testing
import SiftBench
import SiftTestSupport

@Suite struct BBCCorpusTests {
    @Test func bbcCorpusLoadsAllDocumentsInBothEncodings() throws {
        let dir = TestPaths.dataDir.appendingPathComponent("bbc")
        guard FileManager.default.fileExists(atPath: dir.path) else {
            print("skipping: .data/bbc not installed (run scripts/setup.sh)"); return
        }
        let ds = try BBCCorpus.load(directory: dir)
        #expect(ds.examples.count == 2225)
        #expect(ds.labelNames.count == 5)
        // sports/199.txt is the one Latin-1 file: its 0xA3 must read as £.
        let mutu = try #require(ds.examples.first { $0.source == "sports/199.txt" })
        #expect(mutu.text.contains("£15.8m"))
        // UTF-8 files keep their £ too (no "Â£" from a blanket Latin-1 read).
        #expect(!ds.examples.contains { $0.text.contains("Â£") })
        #expect(ds.examples.filter { $0.text.contains("£") }.count > 100)
    }
}
