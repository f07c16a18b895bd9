import Foundation
import Testing
import SiftData
import SiftTestSupport
@testable import SiftEval

/// Compares SiftEval's entity metrics with seqeval 1.2.2 on the goldens of
/// scripts/fixtures/make_seqeval_goldens.py (figures rounded there to 12 significant digits).
@Suite struct EntityMetricsTests {
    nonisolated(unsafe) static let doc: [String: Any] = {   // read-only after first load
        let data = try! Data(contentsOf: TestPaths.fixture("metrics/seqeval.json"))
        return try! JSONDecoder().decode(GoldenValue.self, from: data).any as! [String: Any]
    }()
    static var cases: [[String: Any]] { doc["cases"] as! [[String: Any]] }
    static var names: [String] { cases.map { $0["name"] as! String } }
    static func named(_ name: String) -> [String: Any] { cases.first { $0["name"] as? String == name }! }
    /// (case, scheme) for every strict run in the goldens.
    static var strictRuns: [String] {
        cases.flatMap { c in (c["strict"] as! [String: Any]).keys.sorted().map { "\(c["name"] as! String)/\($0)" } }
    }

    static func sequences(_ v: Any?) -> [[String]] { (v as! [Any]).map { $0 as! [String] } }

    func close(_ a: Double, _ b: Any?, _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard let want = b as? Double else { Issue.record("\(what): golden is \(String(describing: b))", sourceLocation: sourceLocation); return }
        #expect(abs(a - want) <= 1e-12, "\(what): \(a) vs \(want), |diff| \(abs(a - want))", sourceLocation: sourceLocation)
    }

    /// Every figure of a report against one golden mode result.
    func compare(_ r: EntityReport, _ g: [String: Any], zeroDivision: Double, _ what: String) {
        let types = g["types"] as! [[String: Any]]
        #expect(r.types.map(\.type) == types.map { $0["type"] as! String }, "\(what): types")
        for (t, gt) in zip(r.types, types) {
            close(t.precision, gt["precision"], "\(what) \(t.type) precision")
            close(t.recall, gt["recall"], "\(what) \(t.type) recall")
            close(t.f1, gt["f1"], "\(what) \(t.type) f1")
            #expect(t.support == Int(gt["support"] as! Double), "\(what) \(t.type) support")
        }
        for (name, prf) in [("micro", r.micro), ("macro", r.macro), ("weighted", r.weighted)] {
            let ga = g[name] as! [String: Any]
            #expect(Int(ga["support"] as! Double) == r.support, "\(what) \(name) support")
            if ga["precision"] is NSNull {
                // numpy's mean over no types: Sift documents zeroDivision instead of NaN.
                #expect(name == "macro" && types.isEmpty, "\(what): only an empty macro may be NaN")
                #expect(prf == PRF(precision: zeroDivision, recall: zeroDivision, f1: zeroDivision), "\(what) empty macro")
                continue
            }
            close(prf.precision, ga["precision"], "\(what) \(name) precision")
            close(prf.recall, ga["recall"], "\(what) \(name) recall")
            close(prf.f1, ga["f1"], "\(what) \(name) f1")
        }
        // precision_score / recall_score / f1_score with their default average are the micro row.
        let scores = g["scores"] as! [String: Any]
        close(r.micro.precision, scores["precision"], "\(what) precision_score")
        close(r.micro.recall, scores["recall"], "\(what) recall_score")
        close(r.micro.f1, scores["f1"], "\(what) f1_score")
    }

    @Test func goldenFileRecordsVersions() {
        let v = Self.doc["versions"] as! [String: String]
        #expect(v["seqeval"] == "1.2.2")
        #expect(Self.cases.count >= 15)
    }

    @Test(arguments: names)
    func lenientMatchesSeqeval(_ name: String) throws {
        let c = Self.named(name)
        let yTrue = Self.sequences(c["y_true"]), yPred = Self.sequences(c["y_pred"])
        let suffix = c["suffix"] as! Bool
        let zd = c["zero_division"] as! Double
        let g = c["lenient"] as! [String: Any]
        let r = try EntityReport.compute(yTrue: yTrue, yPred: yPred, mode: .lenient, suffix: suffix, zeroDivision: zd)
        compare(r, g, zeroDivision: zd, "\(name) lenient")
        if c["accuracy"] is NSNull {
            #expect(r.tokens == 0 && r.accuracy == 0, "\(name): no tokens gives accuracy 0")
        } else {
            close(r.accuracy, c["accuracy"], "\(name) accuracy")
        }
        // get_entities itself, in seqeval's flattened positions (its end is inclusive).
        for (side, seqs) in [("true", yTrue), ("pred", yPred)] {
            var types = TypeTable()
            let chunks = try EntityChunks.lenientCorpus(seqs, side: nil, suffix: suffix, types: &types)
            let got = chunks.map { "\(types.names[$0.type]) \($0.start) \($0.end - 1)" }
            let want = (g["entities_\(side)"] as! [Any]).map { e -> String in
                let e = e as! [Any]
                return "\(e[0] as! String) \(Int(e[1] as! Double)) \(Int(e[2] as! Double))"
            }
            #expect(got == want, "\(name) get_entities(\(side))")
        }
    }

    @Test(arguments: strictRuns)
    func strictMatchesSeqeval(_ run: String) throws {
        let parts = run.split(separator: "/").map(String.init)
        let c = Self.named(parts[0])
        let scheme = TagScheme(rawValue: parts[1])!
        let yTrue = Self.sequences(c["y_true"]), yPred = Self.sequences(c["y_pred"])
        let suffix = c["suffix"] as! Bool
        let zd = c["zero_division"] as! Double
        let g = (c["strict"] as! [String: Any])[parts[1]] as! [String: Any]
        if let error = g["error"] as? String {
            #expect(throws: EntityMetricsError.self, "\(run): seqeval raised \(error)") {
                _ = try EntityReport.compute(yTrue: yTrue, yPred: yPred, mode: .strict(scheme), suffix: suffix, zeroDivision: zd)
            }
            return
        }
        let r = try EntityReport.compute(yTrue: yTrue, yPred: yPred, mode: .strict(scheme), suffix: suffix, zeroDivision: zd)
        #expect(r.mode == .strict(scheme))
        compare(r, g, zeroDivision: zd, run)
        // Entities(...).entities: sentence, type, start, end (exclusive).
        for (side, seqs) in [("true", yTrue), ("pred", yPred)] {
            var got: [String] = []
            for (i, s) in seqs.enumerated() {
                got += try EntityChunks.strict(s, scheme: scheme, suffix: suffix).map { "\(i) \($0.type) \($0.start) \($0.end)" }
            }
            let want = (g["entities_\(side)"] as! [Any]).map { e -> String in
                let e = e as! [Any]
                return "\(Int(e[0] as! Double)) \(e[1] as! String) \(Int(e[2] as! Double)) \(Int(e[3] as! Double))"
            }
            #expect(got == want, "\(run) entities(\(side))")
        }
    }

    @Test func chunksOfOneSentence() throws {
        let tags = ["B-PER", "I-PER", "O", "I-LOC", "B-ORG", "I-LOC"]
        #expect(try EntityChunks.lenient(tags) == [EntityChunk(type: "PER", start: 0, end: 2), EntityChunk(type: "LOC", start: 3, end: 4),
                                                   EntityChunk(type: "ORG", start: 4, end: 5), EntityChunk(type: "LOC", start: 5, end: 6)])
        // Strict IOB2 drops the entities that do not start with B.
        #expect(try EntityChunks.strict(tags, scheme: .iob2) == [EntityChunk(type: "PER", start: 0, end: 2), EntityChunk(type: "ORG", start: 4, end: 5)])
        #expect(try EntityChunks.strict(["S-PER", "B-LOC", "E-LOC"], scheme: .iobes) == [EntityChunk(type: "PER", start: 0, end: 1), EntityChunk(type: "LOC", start: 1, end: 3)])
    }

    @Test func inputErrorsNameSentenceAndToken() {
        #expect(throws: EntityMetricsError.sentenceCountMismatch(truth: 2, predicted: 1)) {
            try EntityReport.compute(yTrue: [["O"], ["O"]], yPred: [["O"]])
        }
        #expect(throws: EntityMetricsError.lengthMismatch(sentence: 1, truth: 2, predicted: 1)) {
            try EntityReport.compute(yTrue: [["O"], ["O", "O"]], yPred: [["O"], ["O"]])
        }
        #expect(throws: EntityMetricsError.emptyTag(.prediction, sentence: 0, token: 1)) {
            try EntityReport.compute(yTrue: [["O", "O"]], yPred: [["O", ""]])
        }
        let bad = EntityMetricsError.invalidTag(.truth, sentence: 1, token: 0, tag: "E-PER", scheme: .iob2)
        #expect(throws: bad) {
            try EntityReport.compute(yTrue: [["O"], ["E-PER"]], yPred: [["O"], ["O"]], mode: .strict(.iob2))
        }
        #expect(bad.errorDescription == "true tags, sentence 1, token 0 (0-based): 'E-PER' is not a tag of the IOB2 scheme (strict mode)")
    }

    @Test func reportJSONShapeAndModeNames() throws {
        let r = try EntityReport.compute(yTrue: [["B-PER", "I-PER", "O", "B-LOC"]], yPred: [["B-PER", "I-PER", "O", "O"]],
                                         mode: .strict(.iob2))
        #expect(r.types.map(\.type) == ["LOC", "PER"])
        #expect(r.types[0].support == 1 && r.types[0].predicted == 0 && r.types[0].correct == 0)
        #expect(r.support == 2 && r.predicted == 1 && r.correct == 1 && r.tokens == 4 && r.sentences == 1)
        let data = try JSONEncoder().encode(r)
        let obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(Set(obj.keys) == ["mode", "types", "micro", "macro", "weighted", "support", "predicted", "correct",
                                  "accuracy", "tokens", "sentences", "zeroDivision"])
        #expect(obj["mode"] as? String == "strict-iob2")
        #expect(Set((obj["micro"] as! [String: Any]).keys) == ["precision", "recall", "f1"])
        #expect(try JSONDecoder().decode(EntityReport.self, from: data) == r)
        #expect(EntityEvaluationMode.allCases.map(\.rawValue).prefix(3) == ["lenient", "strict-iob1", "strict-iob2"])
        for m in EntityEvaluationMode.allCases { #expect(EntityEvaluationMode(rawValue: m.rawValue) == m) }
        #expect(EntityEvaluationMode(rawValue: "strict-xyz") == nil && EntityEvaluationMode(rawValue: "strict") == nil)
    }
}
