import Foundation
import Testing
import SiftTestSupport
@testable import SiftEngine
import SiftInference

/// all-MiniLM-L6-v2 (installed by scripts/setup.sh) against sentence embeddings from PyTorch:
/// 109 texts (BBC English, Chinese reviews, a BBC article over 512 tokens truncated, empty and
/// one-character texts) with the HF tokenizer's ids stored in Tests/Fixtures/minilm/embeddings.json.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.miniLM.appendingPathComponent("model.safetensors").path),
                "all-MiniLM-L6-v2 not installed (run scripts/setup.sh)"))
struct MiniLMParityTests {
    struct Fixture: Decodable {
        var versions: [String: String]
        var texts: [String]
        var input_ids: [[Int32]]
        var embeddings: [[Float]]
        var max_length: Int
    }

    @Test func meanPooledNormalizedEmbeddingsMatchPyTorch() throws {
        let fx = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: TestPaths.fixture("minilm/embeddings.json")))
        #expect(fx.input_ids.count >= 100)
        #expect(fx.input_ids.contains { $0.count == fx.max_length }, "fixture should hold a truncated long text")
        let embedder = try SentenceEmbedder(directory: TestPaths.miniLM)
        #expect(embedder.pooling == .mean && embedder.normalize, "read from modules.json + 1_Pooling/config.json")
        let acts = embedder.model.makeActivations()
        var maxDiff: Float = 0
        // Batches of 16, as a caller would send them (lengths within a batch differ).
        for start in stride(from: 0, to: fx.input_ids.count, by: 16) {
            let end = min(start + 16, fx.input_ids.count)
            let got = try embedder.embed(Array(fx.input_ids[start..<end]), acts: acts)
            for (i, v) in got.enumerated() {
                let r = allClose(v, fx.embeddings[start + i], atol: 1e-4, rtol: 0)
                maxDiff = max(maxDiff, r.maxDiff)
            }
        }
        print("MiniLM parity: \(fx.input_ids.count) texts, max |diff| = \(maxDiff) (torch \(fx.versions["torch"] ?? "?"))")
        #expect(maxDiff <= 1e-4, "max abs diff \(maxDiff)")
    }
}
