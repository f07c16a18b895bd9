/// How a lower precision's predictions differ from fp32's on the same examples: what
/// `sift eval --precision bf16|int8` prints (the gate: ≥ 99.5% of labels kept, accuracy
/// within 0.3 points).
public struct PrecisionComparison: Sendable, Codable, Equatable {
    public var examples: Int
    /// Accuracy (single-label) or subset accuracy (multi-label), fp32 then the candidate.
    public var referenceAccuracy: Double, candidateAccuracy: Double
    public var referenceMacroF1: Double, candidateMacroF1: Double
    /// Share of examples whose predicted label (set) is the same.
    public var labelAgreement: Double
    /// Largest change of any score of any example.
    public var maxScoreChange: Double

    public init(reference: PredictionSet, candidate: PredictionSet) {
        precondition(reference.examples.count == candidate.examples.count, "the two runs must score the same examples")
        examples = reference.examples.count
        if reference.multiLabel {
            let r = reference.multiLabelEvaluation(), c = candidate.multiLabelEvaluation()
            referenceAccuracy = r.subsetAccuracy; candidateAccuracy = c.subsetAccuracy
            referenceMacroF1 = r.macro.f1; candidateMacroF1 = c.macro.f1
        } else {
            let r = reference.singleLabel(), c = candidate.singleLabel()
            referenceAccuracy = r.accuracy; candidateAccuracy = c.accuracy
            referenceMacroF1 = r.macro.f1; candidateMacroF1 = c.macro.f1
        }
        var same = 0
        var change = 0.0
        for (a, b) in zip(reference.examples, candidate.examples) {
            if reference.predicted(a) == candidate.predicted(b) { same += 1 }
            for (x, y) in zip(a.scores, b.scores) { change = max(change, abs(x - y)) }
        }
        labelAgreement = examples == 0 ? 1 : Double(same) / Double(examples)
        maxScoreChange = change
    }

    /// The classifier targets.
    public var keepsLabels: Bool { labelAgreement >= 0.995 }
    public var keepsAccuracy: Bool { abs(candidateAccuracy - referenceAccuracy) <= 0.003 }
}
