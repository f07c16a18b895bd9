import Foundation
import SiftEngine
import SiftTestSupport
import Testing
@testable import SiftInference

@Suite("sift info's model summary")
struct ModelSummaryTests {
    /// Counted from the checkpoint header, independently of the layout the summary reads.
    private func checkpointCount(_ dir: URL) throws -> Int {
        let file = try SafetensorsFile(url: dir.appendingPathComponent("model.safetensors"))
        return file.tensors.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

    @Test func sequenceClassifierFolder() throws {
        let dir = TestPaths.fixture("tiny-bert/single-label")
        let s = ModelSummary(bundle: try ModelBundle(directory: dir))
        #expect(s.family == "bert")
        #expect(s.task == .singleLabel)
        #expect(s.heads == ["pooler", "sequence-classifier"])
        #expect(!s.labels.isEmpty)
        #expect(s.parameters.total == (try checkpointCount(dir)))
        #expect(s.parameters.total == s.parameters.embeddings + s.parameters.encoder + s.parameters.heads)
        #expect(s.tokenizerVocabulary <= s.embeddingRows)
    }

    @Test func embeddingFolder() throws {
        let dir = TestPaths.fixture("tiny-bert/base")
        let s = ModelSummary(bundle: try ModelBundle(directory: dir))
        #expect(s.task == .embedding)
        #expect(s.labels.isEmpty)
        #expect(!s.heads.contains("sequence-classifier"))
        #expect(s.parameters.total == (try checkpointCount(dir)))
        let json = try JSONDecoder().decode(ModelSummary.self, from: JSONEncoder().encode(s))
        #expect(json == s)
    }
}
