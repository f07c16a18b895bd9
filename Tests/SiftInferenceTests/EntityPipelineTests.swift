import Foundation
import Testing
import SiftEngine
import SiftTestSupport
import SiftTokenizers
@testable import SiftInference

/// Token classification against Hugging Face's `token-classification` pipeline on a tiny random
/// BertForTokenClassification with a trained WordPiece vocabulary
/// (scripts/fixtures/make_entity_fixtures.py): logits per token, and the entities of all five
/// aggregation strategies with and without stride windows, ignore_labels, accents, CJK, emoji,
/// odd whitespace and unknown characters.
@Suite struct EntityPipelineTests {
    static func fixture(_ name: String) throws -> [String: Any] {
        let url = TestPaths.fixture("entities/\(name)")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func bundle(maxLength: Int? = nil) throws -> ModelBundle {
        try ModelBundle(directory: TestPaths.fixture("entities/tiny-ner"), maxLength: maxLength)
    }

    @Test func folderLoadsAsATokenClassifier() throws {
        let b = try Self.bundle()
        #expect(b.task == .tokenClassification)
        #expect(b.tokenClassifier?.labels.first == "O")
        #expect(throws: InferenceError.self) { try b.requireClassifier() }
        // And a sequence classifier is refused by `ner`, naming what it found.
        let cls = try ModelBundle(directory: TestPaths.fixture("entities/tiny-cls"))
        #expect(cls.task == .singleLabel)
        do { _ = try cls.requireEntityRecognizer(); Issue.record("a sequence classifier must be refused") } catch {
            #expect("\(error.localizedDescription)".contains("sequence classifier"))
        }
    }

    @Test func logitsEqualTransformers() throws {
        let doc = try Self.fixture("pipeline.json")
        let b = try Self.bundle()
        let tc = try #require(b.tokenClassifier)
        let acts = b.model.makeActivations()
        for f in try #require(doc["forward"] as? [[String: Any]]) {
            let text = f["text"] as! String
            let e = b.encoder.tokenizer.encode(text, options: b.encoder.options)
            #expect(e.ids.map(Int.init) == f["input_ids"] as! [Int], "\(text)")
            #expect(e.offsets.map { [$0.start, $0.end] } == f["offsets"] as! [[Int]], "\(text)")
            let s = try tc.predict(PackedBatch(sequences: [e.ids]), acts: acts)[0]
            let ref = (f["logits"] as! [[Any]]).flatMap { $0.map { ($0 as! NSNumber).floatValue } }
            #expect(s.logits.count == ref.count)
            let worst = zip(s.logits, ref).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4, "\(text): max logit difference \(worst)")
        }
    }

    @Test func entitiesEqualThePipeline() throws {
        let doc = try Self.fixture("pipeline.json")
        let versions = doc["versions"] as? [String: Any] ?? [:]
        let cases = try #require(doc["cases"] as? [[String: Any]])
        #expect(cases.count >= 100)
        var bundles: [Int: ModelBundle] = [:]
        for c in cases {
            let text = c["text"] as! String
            let maxLength = c["max_length"] as! Int
            let b = try bundles[maxLength] ?? Self.bundle(maxLength: maxLength)
            bundles[maxLength] = b
            let aggregation = try #require(EntityAggregation(rawValue: c["aggregation"] as! String))
            let ignore = (c["ignore_labels"] as? [String]).map(Set.init)
            let options = EntityOptions(aggregation: aggregation, stride: c["stride"] as? Int, ignoreLabels: ignore)
            let runner = OfflineRunner(bundle: b)
            let what = "\(aggregation) stride \(String(describing: options.stride)) max \(maxLength) ignore \(String(describing: ignore)): \(text.debugDescription)"
            guard let want = c["entities"] as? [[String: Any]] else {
                // An explicit `aggregation_strategy="none"` with a stride is refused by the pipeline,
                // though its default strategy (also none) runs with a stride, and those cases are
                // checked above: Sift takes both, so only the other refusals are Sift's too.
                if c["aggregation_arg"] as? String == "none" && c["stride"] is Int { continue }
                // The pipeline refused (a stride leaving no room): so does Sift.
                #expect(throws: InferenceError.self, "\(what)") { try runner.entities([text], options: options) }
                continue
            }
            let got = try runner.entities([text], options: options)[0]
            #expect(got.count == want.count, "\(what): \(got.count) entities vs \(want.count) (\(versions))")
            for (g, w) in zip(got, want) {
                let label = (w["entity"] ?? w["entity_group"]) as! String
                #expect(g.label == label, "\(what): \(g) vs \(w)")
                #expect(g.word == w["word"] as! String, "\(what): \(g) vs \(w)")
                #expect(g.start == w["start"] as! Int && g.end == w["end"] as! Int, "\(what): \(g) vs \(w)")
                #expect(g.index == w["index"] as? Int, "\(what): \(g) vs \(w)")
                #expect(abs(Double(g.score) - (w["score"] as! NSNumber).doubleValue) < 1e-5, "\(what): \(g) vs \(w)")
            }
        }
    }

    @Test func decoderJoinsWordPiecesAsTokenizers() {
        let d = WordPieceDecoder()
        #expect(d.decode(["angela", "mer", "##kel"]) == "angela merkel")
        #expect(d.decode(["##kel", "x"]) == "##kel x")
        #expect(d.decode(["u", ".", "s", "."]) == "u. s.")
        #expect(d.decode(["hello", ",", "world", "!"]) == "hello, world!")
    }

    @Test func overlappingWindowEntitiesResolveAsThePipeline() {
        let a = Entity(label: "PER", score: 0.5, word: "a", start: 0, end: 5)
        let b = Entity(label: "PER", score: 0.9, word: "b", start: 2, end: 5)
        let c = Entity(label: "LOC", score: 0.4, word: "c", start: 0, end: 5)
        let d = Entity(label: "ORG", score: 0.3, word: "d", start: 6, end: 8)
        // Same start and length: the more confident wins; a shorter one inside loses.
        #expect(EntityGrouper.resolveOverlaps([a, b, c, d]) == [a, d])
        #expect(EntityGrouper.resolveOverlaps([c, a]) == [a])
    }
}
