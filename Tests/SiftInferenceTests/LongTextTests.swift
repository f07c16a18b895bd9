import Foundation
import Testing
import SiftEngine
import SiftTestSupport
@testable import SiftInference

/// Long documents against Hugging Face: the overflowing windows `tokenizer(…, stride=S,
/// return_overflowing_tokens=True)` makes, each window's scores from the PyTorch model and their
/// per-label mean and max; head + tail (scripts/fixtures/make_entity_fixtures.py, windows.json).
@Suite struct LongTextTests {
    static func fixture() throws -> [String: Any] {
        let url = TestPaths.fixture("entities/windows.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func floats(_ any: Any?) -> [Float] { (any as? [Any])?.compactMap { ($0 as? NSNumber)?.floatValue } ?? [] }

    @Test func windowsAndCombinedScoresEqualTransformers() throws {
        let cases = try #require(try Self.fixture()["cases"] as? [[String: Any]])
        #expect(cases.count >= 6)
        for c in cases {
            let text = c["text"] as! String
            for s in c["strided"] as! [[String: Any]] {
                let bundle = try ModelBundle(directory: TestPaths.fixture("entities/\(c["model"] as! String)"), maxLength: s["max_length"] as? Int)
                let stride = s["stride"] as! Int
                let windows = bundle.encoder.encode(text, longText: LongTextOptions(mode: .window, stride: stride, maxWindows: 100))
                #expect(windows.map { $0.ids.map(Int.init) } == s["windows"] as! [[Int]], "stride \(stride): \(text.prefix(30))")
                let runner = OfflineRunner(bundle: bundle)
                let classifier = try bundle.requireClassifier()
                let perWindow = try classifier.predict(PackedBatch(encodings: windows), acts: bundle.model.makeActivations())
                for (w, ref) in zip(perWindow, s["probabilities"] as! [[Any]]) {
                    for (a, b) in zip(w.scores, ref.map { ($0 as! NSNumber).floatValue }) { #expect(abs(a - b) < 1e-5) }
                }
                for how in WindowAggregation.allCases {
                    let got = try runner.classify([text], with: classifier, longText: LongTextOptions(mode: .window, stride: stride, aggregation: how))[0]
                    let want = Self.floats(s[how.rawValue])
                    #expect(got.scores.count == want.count)
                    for (a, b) in zip(got.scores, want) { #expect(abs(a - b) < 1e-5, "\(how) stride \(stride)") }
                }
                // The cap keeps the first windows.
                let capped = bundle.encoder.encode(text, longText: LongTextOptions(mode: .window, stride: stride, maxWindows: 2))
                #expect(capped == Array(windows.prefix(2)))
            }
            let ht = c["head_tail"] as! [String: Any]
            let bundle = try ModelBundle(directory: TestPaths.fixture("entities/\(c["model"] as! String)"), maxLength: ht["max_length"] as? Int)
            let one = bundle.encoder.encode(text, longText: LongTextOptions(mode: .headTail))
            #expect(one.count == 1)
            #expect(one[0].ids.map(Int.init) == ht["input_ids"] as! [Int], "head-tail: \(text.prefix(30))")
            #expect(one[0].isTruncated)
            let scores = try OfflineRunner(bundle: bundle).classify([text], with: try bundle.requireClassifier(), longText: LongTextOptions(mode: .headTail))[0].scores
            for (a, b) in zip(scores, Self.floats(ht["probabilities"])) { #expect(abs(a - b) < 1e-5) }
        }
    }

    @Test func shortTextsAreUnchangedAndBadSettingsRefused() throws {
        let bundle = try ModelBundle(directory: TestPaths.fixture("entities/tiny-cls"), maxLength: 32)
        let short = "good value"
        let plain = bundle.encoder.encode(short)
        for mode in LongTextMode.allCases {
            #expect(bundle.encoder.encode(short, longText: LongTextOptions(mode: mode)) == [plain], "\(mode)")
        }
        #expect(throws: InferenceError.self) { try bundle.encoder.validate(LongTextOptions(mode: .window, stride: 30)) }
        #expect(throws: InferenceError.self) { try bundle.encoder.validate(LongTextOptions(mode: .window, stride: -1)) }
        #expect(throws: InferenceError.self) { try bundle.encoder.validate(LongTextOptions(mode: .window, maxWindows: 0)) }
        try bundle.encoder.validate(LongTextOptions(mode: .window, stride: 29))
    }
}
