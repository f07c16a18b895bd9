import Foundation
import SiftEngine
import SiftTestSupport
import SiftTokenizers
import Testing
@testable import SiftInference

struct TinyFixture: Decodable {
    var texts: [String]
    var input_ids: [[Int32]]
    var token_type_ids: [[Int32]]
    var logits: [[Float]]?

    static func load(_ variant: String) throws -> TinyFixture {
        try JSONDecoder().decode(TinyFixture.self, from: Data(contentsOf: TestPaths.fixture("tiny-bert/\(variant)/expected.json")))
    }

    /// Texts encoded as single sequences (the pair example excluded).
    var singles: [Int] { token_type_ids.indices.filter { token_type_ids[$0].allSatisfy { $0 == 0 } } }
}

/// One pass of the tokenizer gives the model's ids and the untruncated length.
@Suite struct TextEncoderTests {
    let dir = TestPaths.fixture("tiny-bert/single-label")

    @Test func encodingsAreTheHuggingFaceIds() throws {
        let fx = try TinyFixture.load("single-label")
        let bundle = try ModelBundle(directory: dir)
        let idx = fx.singles
        let encs = bundle.encoder.encode(idx.map { fx.texts[$0] })
        for (k, i) in idx.enumerated() {
            #expect(encs[k].ids == fx.input_ids[i])
            #expect(encs[k].typeIds == fx.token_type_ids[i])
            #expect(encs[k].fullLength == fx.input_ids[i].count && !encs[k].isTruncated)
        }
        // The batch call (both cores) equals one call per text.
        #expect(encs == idx.map { bundle.encoder.encode(fx.texts[$0]) })
    }

    /// The untruncated length read from truncation's leftovers equals a separate untruncated pass.
    @Test(arguments: [2, 5, 16, 64])
    func untruncatedLengthWithoutASecondPass(_ maxLength: Int) throws {
        let bundle = try ModelBundle(directory: dir, maxLength: maxLength)
        let tokenizer = bundle.encoder.tokenizer
        let texts = ["", "it", "the first of them", Array(repeating: "he said that they were all in the same place, but not for long", count: 12).joined(separator: " "),
                     "[SEP] and [CLS] typed in the text", String(repeating: "a", count: 300)]
        for t in texts {
            let e = bundle.encoder.encode(t)
            let full = tokenizer.encode(t, options: EncodeOptions(addSpecialTokens: true))
            let cut = tokenizer.encode(t, options: EncodeOptions(addSpecialTokens: true, maxLength: maxLength, truncation: .longestFirst))
            #expect(e.fullLength == full.count, "\(maxLength): \(t.prefix(20))")
            #expect(e.ids == cut.ids && e.typeIds == cut.typeIds)
            #expect(e.count <= maxLength)
            #expect(e.isTruncated == (full.count > maxLength))
        }
    }

    /// Head-tail keeps the untruncated length too (what the server's `truncate: false` reads).
    @Test(arguments: [5, 16, 64])
    func headTailKeepsTheUntruncatedLength(_ maxLength: Int) throws {
        let bundle = try ModelBundle(directory: dir, maxLength: maxLength)
        for t in ["it", Array(repeating: "he said that they were all in the same place, but not for long", count: 12).joined(separator: " ")] {
            let full = bundle.encoder.tokenizer.encode(t, options: EncodeOptions(addSpecialTokens: true))
            let e = try #require(bundle.encoder.encode(t, longText: LongTextOptions(mode: .headTail)).first)
            #expect(e.fullLength == full.count, "\(maxLength): \(t.prefix(20))")
            #expect(e.count == min(full.count, maxLength) && e.isTruncated == (full.count > maxLength))
        }
    }

    @Test func packingEncodingsEqualsPackingTheTokenizersIds() throws {
        let bundle = try ModelBundle(directory: dir)
        let texts = ["the first of them", "", "it was not the one"]
        let options = EncodeOptions(addSpecialTokens: true, maxLength: bundle.maxLength, truncation: .longestFirst)
        let direct = bundle.encoder.tokenizer.encodeBatch(texts, options: options)
        #expect(try bundle.encoder.pack(texts) == PackedBatch(sequences: direct.map(\.ids), typeIds: direct.map(\.typeIds)))
    }

    @Test func bundleReadsTaskLabelsAndPooling() throws {
        let single = try ModelBundle(directory: dir)
        #expect(single.task == .singleLabel && single.labels == ["negative", "neutral", "positive"])
        #expect(try ModelBundle(directory: TestPaths.fixture("tiny-bert/multi-label")).task == .multiLabel)
        #expect(try ModelBundle(directory: TestPaths.fixture("tiny-bert/regression")).task == .regression)
        let base = try ModelBundle(directory: TestPaths.fixture("tiny-bert/base"))
        #expect(base.task == .embedding && base.labels.isEmpty && base.classifier == nil)
        #expect(base.pooling == .mean && base.normalize)
        #expect(throws: InferenceError.self) { try base.requireClassifier() }
        do { _ = try base.requireClassifier() } catch { #expect(error.localizedDescription.contains("classifier.weight")) }
        let cls = try ModelBundle(directory: TestPaths.fixture("tiny-bert/base"), pooling: .cls, normalize: false)
        #expect(cls.pooling == .cls && !cls.normalize)
        #expect(throws: InferenceError.self) { try ModelBundle(directory: dir, maxLength: 1) }
    }
}
