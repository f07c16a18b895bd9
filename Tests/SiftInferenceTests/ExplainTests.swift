import Foundation
import Testing
import SiftEngine
import SiftTestSupport
@testable import SiftInference

/// Explanations against Captum's `LayerIntegratedGradients` over `bert.embeddings` (50-point
/// Gauss–Legendre, baseline [CLS] [PAD]… [SEP]) on tiny random classifiers, logit and probability
/// outputs, single- and multi-label; word merging by the tokenizer's word ids; occlusion against
/// the same model in PyTorch (scripts/fixtures/make_entity_fixtures.py).
@Suite struct ExplainTests {
    static func fixture() throws -> [String: Any] {
        let url = TestPaths.fixture("entities/ig.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func numbers(_ any: Any?) -> [Double] { (any as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? [] }

    @Test func gaussLegendreNodesAreNumpys() throws {
        let doc = try Self.fixture()
        let (alphas, weights) = GaussLegendre.rule(doc["n_steps"] as! Int)
        let refA = Self.numbers(doc["alphas"]), refW = Self.numbers(doc["weights"])
        #expect(alphas.count == refA.count)
        for (a, r) in zip(alphas, refA) { #expect(abs(a - r) < 1e-11) }
        for (w, r) in zip(weights, refW) { #expect(abs(w - r) < 1e-11) }
        #expect(abs(weights.reduce(0, +) - 1) < 1e-12)
        let (one, w1) = GaussLegendre.rule(1)
        #expect(one == [0.5] && w1 == [1])
    }

    @Test func integratedGradientsEqualCaptum() throws {
        let doc = try Self.fixture()
        let versions = doc["versions"] as? [String: Any] ?? [:]
        let cases = try #require(doc["cases"] as? [[String: Any]])
        #expect(cases.count >= 10)
        for c in cases {
            let bundle = try ModelBundle(directory: TestPaths.fixture("entities/\(c["model"] as! String)"))
            let explainer = try TextExplainer(bundle: bundle)
            let output = try #require(AttributionOutput(rawValue: c["output"] as! String))
            let text = c["text"] as! String
            let what = "\(c["model"]!) \(output) \(text.debugDescription)"
            let x = try explainer.explain(text, options: ExplainOptions(method: .integratedGradients, output: output))
            #expect(x.target == c["target"] as! Int, "\(what)")
            #expect(x.tokens.map(\.text) == c["tokens"] as! [String], "\(what)")
            let l2 = Self.numbers(c["attributions_l2"])
            for (t, r) in zip(x.tokens, l2) { #expect(abs(Double(t.attribution) - r) < 1e-4, "\(what): \(t) vs \(r) (\(versions))") }
            #expect(abs(Double(x.convergenceDelta ?? .nan) - (c["delta"] as! NSNumber).doubleValue) < 1e-4, "\(what)")
            // Raw attributions (before normalization), and the two ends of the path.
            let e = bundle.encoder.tokenizer.encode(text, options: bundle.encoder.options)
            #expect(e.ids.map(Int.init) == c["input_ids"] as! [Int], "\(what)")
            #expect(TextExplainer.baseline(e, tokenizer: bundle.encoder.tokenizer).map(Int.init) == c["baseline_ids"] as! [Int])
            let ig = try IntegratedGradients(classifier: try #require(bundle.classifier as? SequenceClassifier), output: output)
            let r = try ig.attribute(ids: e.ids, typeIds: e.typeIds, baselineIds: TextExplainer.baseline(e, tokenizer: bundle.encoder.tokenizer),
                                     target: nil, acts: bundle.model.makeActivations(recording: true))
            let raw = Self.numbers(c["attributions"])
            let scale = raw.map(abs).max() ?? 1
            for (a, b) in zip(r.attributions, raw) { #expect(abs(a - b) < 1e-4 * max(1, scale), "\(what): raw \(a) vs \(b)") }
            #expect(abs(r.inputValue - (c["f_input"] as! NSNumber).doubleValue) < 1e-5, "\(what)")
            #expect(abs(r.baselineValue - (c["f_baseline"] as! NSNumber).doubleValue) < 1e-5, "\(what)")
            // Words: the tokenizer's words, their spans and summed attributions.
            let words = try #require(c["words"] as? [[String: Any]])
            #expect(x.words.count == words.count, "\(what)")
            for (w, ref) in zip(x.words, words) {
                #expect(w.text == ref["text"] as! String && w.start == ref["start"] as! Int && w.end == ref["end"] as! Int, "\(what): \(w)")
                #expect(abs(Double(w.attribution) - (ref["attribution"] as! NSNumber).doubleValue) < 1e-4, "\(what): \(w)")
            }
            // Occlusion: the drop without each word, by the same output function.
            let o = try explainer.explain(text, options: ExplainOptions(method: .occlusion, output: output))
            #expect(o.words.count == words.count)
            for (w, ref) in zip(o.words, words) {
                #expect(abs(Double(w.attribution) - (ref["occlusion"] as! NSNumber).doubleValue) < 1e-4, "\(what): occlusion \(w)")
            }
        }
    }

    @Test func wordIdsFollowThePreTokenizer() throws {
        let bundle = try ModelBundle(directory: TestPaths.fixture("entities/tiny-cls"))
        for c in try #require(try Self.fixture()["cases"] as? [[String: Any]]) where c["model"] as? String == "tiny-cls" {
            let e = bundle.encoder.tokenizer.encode(c["text"] as! String, options: bundle.encoder.options)
            let ref = (c["word_ids"] as! [Any]).map { ($0 as? Int) ?? -1 }
            #expect(e.wordIds.map(Int.init) == ref, "\(c["text"]!)")
        }
    }

    @Test func integratedGradientsNeedAFineTunedHead() throws {
        let bundle = try ModelBundle(directory: TestPaths.fixture("entities/tiny-ner"))
        #expect(throws: InferenceError.self) { try TextExplainer(bundle: bundle) }
    }
}
