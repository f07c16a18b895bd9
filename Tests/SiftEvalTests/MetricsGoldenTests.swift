import Foundation
import Testing
import SiftTestSupport
@testable import SiftEval

/// Compares SiftEval with scikit-learn on the goldens of scripts/fixtures/make_metrics_goldens.py.
@Suite struct MetricsGoldenTests {
    nonisolated(unsafe) static let doc: [String: Any] = {   // read-only after first load
        let data = try! Data(contentsOf: TestPaths.fixture("metrics/goldens.json"))
        return try! JSONDecoder().decode(GoldenValue.self, from: data).any as! [String: Any]
    }()
    static var cases: [[String: Any]] { doc["cases"] as! [[String: Any]] }
    static func cases(_ kind: String) -> [String] { cases.filter { $0["kind"] as? String == kind }.map { $0["name"] as! String } }
    static func named(_ name: String) -> [String: Any] { cases.first { $0["name"] as? String == name }! }

    /// |a − b| ≤ 1e-15 + 1e-12·|b|, recording the case, metric and difference on failure.
    func close(_ a: Double?, _ b: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let want = b as? Double
        guard let want else {
            #expect(a == nil, "\(what): expected undefined (null), got \(String(describing: a))", sourceLocation: sourceLocation)
            return
        }
        guard let a else { Issue.record("\(what): got nil, expected \(want)", sourceLocation: sourceLocation); return }
        #expect(abs(a - want) <= 1e-15 + 1e-12 * abs(want), "\(what): \(a) vs \(want), |diff| \(abs(a - want))", sourceLocation: sourceLocation)
    }
    func closeAll(_ a: [Double?], _ b: Any?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let want = b as! [Any]
        #expect(a.count == want.count, "\(what): length", sourceLocation: sourceLocation)
        for (i, (x, w)) in zip(a, want).enumerated() { close(x, w is NSNull ? nil : w, "\(what)[\(i)]", sourceLocation: sourceLocation) }
    }

    @Test func goldenFileRecordsVersions() {
        let v = Self.doc["versions"] as! [String: String]
        #expect(v["scikit-learn"] == "1.9.1")
        #expect(Self.cases("single").count == 5 && Self.cases("multi").count == 2)
    }

    @Test(arguments: cases("single"))
    func singleLabelMatchesScikitLearn(_ name: String) {
        let c = Self.named(name)
        let k = Int(c["num_classes"] as! Double)
        let yTrue = (c["y_true"] as! [Any]).ints, yPred = (c["y_pred"] as! [Any]).ints
        let proba = (c["proba"] as! [Any]).map { ($0 as! [Any]).doubles }
        let e = SingleLabelEvaluation.compute(yTrue: yTrue, yPred: yPred, probabilities: proba, labels: (0..<k).map { "c\($0)" })
        close(e.accuracy, c["accuracy"], "\(name) accuracy")
        #expect(e.confusion == (c["confusion_matrix"] as! [Any]).map { ($0 as! [Any]).ints }, "\(name) confusion")
        closeAll(e.perClass.map(\.precision), c["precision"], "\(name) precision")
        closeAll(e.perClass.map(\.recall), c["recall"], "\(name) recall")
        closeAll(e.perClass.map(\.f1), c["f1"], "\(name) f1")
        #expect(e.perClass.map(\.support) == (c["support"] as! [Any]).ints)
        for (avg, prf) in [("micro", e.micro), ("macro", e.macro), ("weighted", e.weighted)] {
            close(prf.precision, c["\(avg)_precision"], "\(name) \(avg) precision")
            close(prf.recall, c["\(avg)_recall"], "\(name) \(avg) recall")
            close(prf.f1, c["\(avg)_f1"], "\(name) \(avg) f1")
        }
        closeAll(e.perClass.map(\.rocAUC), c["roc_auc"], "\(name) roc_auc")
        closeAll(e.perClass.map(\.averagePrecision), c["average_precision"], "\(name) AP")
        close(e.rocAUCMacro, c["roc_auc_macro"], "\(name) macro AUC")
        if let sk = c["sklearn_ovr_macro_auc"] { close(e.rocAUCMacro, sk, "\(name) sklearn ovr macro AUC") }
        close(e.averagePrecisionMacro, c["average_precision_macro"], "\(name) macro AP")
        close(e.logLoss, c["log_loss"], "\(name) log loss")
        close(e.brierScore, c["brier"], "\(name) brier")
        close(e.expectedCalibrationError, c["ece_15"], "\(name) ECE(15)")
        close(ProbabilisticMetrics.expectedCalibrationError(yTrue: yTrue, probabilities: proba, bins: 10), c["ece_10"], "\(name) ECE(10)")
        if let auc = c["sklearn_binary_auc"] {
            let pos = yTrue.map { $0 == 1 }, s = proba.map { $0[1] }
            close(RankingMetrics.rocAUC(labels: pos, scores: s), auc, "\(name) binary AUC")
            close(RankingMetrics.averagePrecision(labels: pos, scores: s), c["sklearn_binary_ap"], "\(name) binary AP")
        }
    }

    @Test(arguments: cases("multi"))
    func multiLabelMatchesScikitLearn(_ name: String) {
        let c = Self.named(name)
        let yTrue = (c["y_true"] as! [Any]).map { ($0 as! [Any]).ints.map { $0 == 1 } }
        let scores = (c["scores"] as! [Any]).map { ($0 as! [Any]).doubles }
        let L = Int(c["num_labels"] as! Double)
        let e = MultiLabelEvaluation.compute(yTrue: yTrue, scores: scores, labels: (0..<L).map { "l\($0)" })
        close(e.subsetAccuracy, c["subset_accuracy"], "\(name) subset accuracy")
        close(e.hammingLoss, c["hamming_loss"], "\(name) hamming")
        closeAll(e.perLabel.map(\.precision), c["precision"], "\(name) precision")
        closeAll(e.perLabel.map(\.recall), c["recall"], "\(name) recall")
        closeAll(e.perLabel.map(\.f1), c["f1"], "\(name) f1")
        #expect(e.perLabel.map(\.support) == (c["support"] as! [Any]).ints)
        for (avg, prf) in [("micro", e.micro), ("macro", e.macro), ("weighted", e.weighted), ("samples", e.samples)] {
            close(prf.precision, c["\(avg)_precision"], "\(name) \(avg) precision")
            close(prf.recall, c["\(avg)_recall"], "\(name) \(avg) recall")
            close(prf.f1, c["\(avg)_f1"], "\(name) \(avg) f1")
        }
        closeAll(e.perLabel.map(\.rocAUC), c["roc_auc"], "\(name) roc_auc")
        closeAll(e.perLabel.map(\.averagePrecision), c["average_precision"], "\(name) AP")
        close(e.rocAUCMacro, c["roc_auc_macro"], "\(name) macro AUC")
        if let sk = c["sklearn_macro_auc"] { close(e.rocAUCMacro, sk, "\(name) sklearn macro AUC") }
        if let sk = c["sklearn_micro_auc"] { close(e.rocAUCMicro, sk, "\(name) sklearn micro AUC") }
        close(e.averagePrecisionMacro, c["average_precision_macro"], "\(name) macro AP")
        close(e.averagePrecisionMicro, c["sklearn_micro_ap"], "\(name) micro AP")
        let tuned = ThresholdTuning.tune(yTrue: yTrue, scores: scores)
        closeAll(tuned.thresholds, c["tuned_thresholds"], "\(name) tuned thresholds")
        closeAll(tuned.f1, c["tuned_f1"], "\(name) tuned F1")
    }

    @Test func tunedThresholdsNeverLowerValidationF1() {
        // On the golden data, tuned thresholds beat (or tie) 0.5 on every label's F1.
        for name in Self.cases("multi") {
            let c = Self.named(name)
            let yTrue = (c["y_true"] as! [Any]).map { ($0 as! [Any]).ints.map { $0 == 1 } }
            let scores = (c["scores"] as! [Any]).map { ($0 as! [Any]).doubles }
            let L = Int(c["num_labels"] as! Double)
            let t = ThresholdTuning.tune(yTrue: yTrue, scores: scores)
            let base = MultiLabelEvaluation.compute(yTrue: yTrue, scores: scores, labels: (0..<L).map { "\($0)" })
            let tuned = MultiLabelEvaluation.compute(yTrue: yTrue, scores: scores, labels: (0..<L).map { "\($0)" }, thresholds: t.thresholds)
            for j in 0..<L { #expect(tuned.perLabel[j].f1 >= base.perLabel[j].f1 - 1e-15) }
            #expect(tuned.macro.f1 > base.macro.f1)
        }
    }
}
