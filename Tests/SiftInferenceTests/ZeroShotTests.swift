import Foundation
import Testing
import SiftEngine
import SiftTestSupport
@testable import SiftInference

/// Zero-shot against Hugging Face's `zero-shot-classification` pipeline on two tiny random NLI
/// models (scripts/fixtures/make_fewshot_fixtures.py): the pairs it feeds the model, and its
/// scores and order, for both `multi_label` settings, one label, custom templates, truncation.
@Suite struct ZeroShotTests {
    static func fixture() throws -> [String: Any] {
        let url = TestPaths.fixture("fewshot/zero_shot.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func nli(_ name: String) throws -> ModelBundle {
        try ModelBundle(directory: TestPaths.fixture("fewshot/\(name)"))
    }

    @Test func entailmentAndContradictionIdsAreThePipelines() throws {
        let models = try #require(try Self.fixture()["models"] as? [String: [String: Any]])
        for (name, m) in models {
            let zs = try NLIZeroShot(classifier: try #require(try Self.nli(name).classifier))
            #expect(zs.entailmentID == m["entailment_id"] as! Int, "\(name)")
            #expect(zs.contradictionID == m["contradiction_index"] as! Int, "\(name)")
        }
    }

    @Test func pairsAndScoresEqualThePipeline() throws {
        let doc = try Self.fixture()
        let versions = doc["versions"] as? [String: String] ?? [:]
        let cases = try #require(doc["cases"] as? [[String: Any]])
        #expect(cases.count >= 10)
        for (ci, c) in cases.enumerated() {
            let bundle = try Self.nli(c["model"] as! String)
            let texts = c["sequences"] as! [String]
            let zs = try ZeroShotClassifier(bundle: bundle, labels: c["candidate_labels"] as! [String],
                                            template: c["hypothesis_template"] as! String, multiLabel: c["multi_label"] as! Bool)
            #expect(zs.method == .nli)
            // The pairs, token for token.
            let encodings = zs.encodings(texts, encoder: bundle.encoder)
            let want = (c["encodings"] as! [[[String: Any]]]).flatMap { $0 }
            #expect(encodings.count == want.count)
            for (i, (e, w)) in zip(encodings, want).enumerated() {
                #expect(e.ids == (w["input_ids"] as! [Int]).map(Int32.init), "case \(ci) pair \(i) (\(w["truncation"] ?? ""))")
                #expect(e.typeIds == (w["token_type_ids"] as! [Int]).map(Int32.init), "case \(ci) pair \(i) type ids")
            }
            // Scores and order, through the offline runner (all pairs of a chunk at once).
            let got = try OfflineRunner(bundle: bundle).zeroShot(zs, texts: texts)
            for (t, (g, w)) in zip(got, c["results"] as! [[String: Any]]).enumerated() {
                #expect(g.labels == w["labels"] as! [String], "case \(ci) text \(t): order \(g.labels) vs \(w["labels"]!)")
                let ws = (w["scores"] as! [NSNumber]).map(\.doubleValue)
                for (a, b) in zip(g.scores, ws) {
                    #expect(abs(Double(a) - b) < 1e-5, "case \(ci) text \(t): score \(a) vs pipeline \(b) (\(versions))")
                }
            }
        }
    }

    @Test func embeddingZeroShotIsASoftmaxOfCosines() throws {
        let bundle = try ModelBundle(directory: TestPaths.fixture("fewshot/nli-entail-last"), withClassifier: false)
        let labels = ["school", "city", "world"]
        let zs = try ZeroShotClassifier(bundle: bundle, labels: labels, descriptions: ["world": "the new world"])
        #expect(zs.method == .embedding && zs.labelTexts == ["This example is school.", "This example is city.", "This example is the new world."])
        let runner = OfflineRunner(bundle: bundle)
        let texts = ["he was at school", "the city of people"]
        let got = try runner.zeroShot(zs, texts: texts)
        let tv = try runner.embed(texts), lv = try runner.embed(zs.labelTexts)
        for (r, v) in zip(got, tv) {
            let cos = lv.map { l in zip(v, l).map { Double($0) * Double($1) }.reduce(0, +) }  // unit vectors (normalize on)
            let e = cos.map { exp($0 / 0.05) }, s = e.reduce(0, +)
            for (name, score) in zip(r.labels, r.scores) {
                #expect(abs(Double(score) - e[labels.firstIndex(of: name)!] / s) < 1e-4)
            }
            #expect(r.scores == r.scores.sorted(by: >))
        }
        // Multi-label: the cosines themselves, each label alone.
        let multi = try ZeroShotClassifier(bundle: bundle, labels: ["school"], multiLabel: true)
        let one = try runner.zeroShot(multi, texts: ["he was at school"])[0]
        let cos = zip(tv[0], try runner.embed(["This example is school."])[0]).map { Double($0) * Double($1) }.reduce(0, +)
        #expect(abs(Double(one.scores[0]) - cos) < 1e-4)
    }

    @Test func badZeroShotInputIsRefusedClearly() throws {
        let nli = try Self.nli("nli-entail-last")
        func refused(_ bundle: ModelBundle, _ labels: [String], template: String = ZeroShotLabels.defaultTemplate,
                     multiLabel: Bool = false, method: ZeroShotMethod? = nil, _ words: String) {
            #expect { try ZeroShotClassifier(bundle: bundle, labels: labels, template: template, multiLabel: multiLabel, method: method) } throws: {
                let m = ($0 as? InferenceError)?.errorDescription ?? ""
                if !m.contains(words) { Issue.record("message '\(m)' lacks '\(words)'") }
                return true
            }
        }
        refused(nli, [], "at least one label")
        refused(nli, ["a", "b", "a"], "'a' is given twice")
        refused(nli, ["a", " "], "label 2 is empty")
        refused(nli, ["a", "b"], template: "This example is about", "must contain '{}'")
        refused(nli, ["a", "b"], template: "{} or {}", "must contain '{}' exactly once")
        // A classifier without an entailment label is not an NLI model.
        let sentiment = try ModelBundle(directory: TestPaths.fixture("tiny-bert/single-label"))
        refused(sentiment, ["a", "b"], "none starting with 'entail'")
        // An embedder cannot do NLI, and cannot choose among fewer than two labels.
        let embedder = try ModelBundle(directory: TestPaths.fixture("tiny-bert/base"))
        refused(embedder, ["a", "b"], method: .nli, "no classification head")
        refused(embedder, ["a"], "at least two labels")
        #expect(throws: InferenceError.self) { try EmbeddingZeroShot(temperature: 0) }
    }

    @Test func labelListsAndDescriptionFilesParse() throws {
        #expect(ZeroShotLabels.split(" billing, technical support ,, account issue") == ["billing", "technical support", "account issue"])
        let dir = scratchFolder("labels")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tsv = dir.appendingPathComponent("d.tsv"), json = dir.appendingPathComponent("d.json"), bad = dir.appendingPathComponent("bad.tsv")
        try "billing\tinvoices and payments\n\nrefund\tmoney back\n".write(to: tsv, atomically: true, encoding: .utf8)
        try #"{"billing": "invoices"}"#.write(to: json, atomically: true, encoding: .utf8)
        try "billing\tinvoices\nno tab here\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(try ZeroShotLabels.readDescriptions(url: tsv) == ["billing": "invoices and payments", "refund": "money back"])
        #expect(try ZeroShotLabels.readDescriptions(url: json) == ["billing": "invoices"])
        #expect { try ZeroShotLabels.readDescriptions(url: bad) } throws: {
            ($0 as? InferenceError)?.errorDescription?.contains("bad.tsv:2") == true
        }
        #expect(throws: InferenceError.self) { try ZeroShotLabels(["a", "b"], descriptions: ["c": "x"]) }
    }
}
