import Foundation
import Testing
import SiftEngine
import SiftInference
import SiftTestSupport
@testable import SiftTrain
import SiftData
import SiftTokenizers

/// Token-classification training against PyTorch on the tiny NER model
/// (scripts/fixtures/make_entity_fixtures.py, token_train.json): the loss BertForTokenClassification
/// computes with labels on each word's first token (-100 elsewhere), plain and class-weighted,
/// and the gradient of every parameter, in float64 against Sift's Float.
@Suite struct TokenClassificationTests {
    static func fixture() throws -> [String: Any] {
        let url = TestPaths.fixture("entities/token_train.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func lossAndGradientsEqualPyTorch() throws {
        let doc = try Self.fixture()
        let versions = doc["versions"] as? [String: Any] ?? [:]
        let ids = doc["input_ids"] as! [[Int]], mask = doc["attention_mask"] as! [[Int]], labels = doc["label_ids"] as! [[Int]]
        // Unpadded sequences (the packed batch has no padding) and their labels.
        let seqs = zip(ids, mask).map { s, m in zip(s, m).filter { $0.1 == 1 }.map { Int32($0.0) } }
        let flat = zip(labels, mask).flatMap { l, m in zip(l, m).filter { $0.1 == 1 }.map(\.0) }
        for variant in try #require(doc["variants"] as? [[String: Any]]) {
            let model = try BertModel.load(directory: TestPaths.fixture("entities/tiny-ner"))
            let update = ParameterUpdate(model: model, trainable: .all, maxGradNorm: nil)
            let weights = (variant["class_weights"] as? [Any]).map { $0.map { ($0 as! NSNumber).doubleValue } }
            let loss = try update.accumulateTokens(try PackedBatch(sequences: seqs), labels: flat,
                                                   loss: CrossEntropyLoss(classWeights: weights))
            let want = (variant["loss"] as! NSNumber).doubleValue
            #expect(abs(loss - want) < 1e-5, "\(variant["name"]!): loss \(loss) vs PyTorch \(want) (\(versions))")
            let grads = try #require(variant["grads"] as? [String: Any])
            var checked = 0
            for e in model.layout.entries {
                let ref = doubles(try #require(grads[e.name], "no reference gradient for \(e.name)"))
                let scale = ref.map(abs).max() ?? 0
                // Key biases get an exactly-zero gradient (softmax ignores a per-row shift): Float
                // rounding leaves ~1e-7 there, so the floor is absolute.
                expectClose(Array(update.grads[e.name]!), ref, atol: max(1e-6, 2e-3 * scale), rtol: 2e-3, "\(variant["name"]!): \(e.name)")
                checked += 1
            }
            #expect(checked == grads.count, "every tensor of the checkpoint is checked")
        }
    }

    @Test func ignoredTokensAndBadLabels() throws {
        let model = try BertModel.load(directory: TestPaths.fixture("entities/tiny-ner"))
        let update = ParameterUpdate(model: model, trainable: .all, maxGradNorm: nil)
        let batch = try PackedBatch(sequences: [[2, 10, 11, 3]])
        // Nothing labeled: no loss, no gradient.
        #expect(try update.accumulateTokens(batch, labels: [-100, -100, -100, -100], loss: CrossEntropyLoss()) == 0)
        #expect(update.grads.base[0] == 0)
        #expect(throws: TrainError.self) { try update.accumulateTokens(batch, labels: [-100, 9, 0, -100], loss: CrossEntropyLoss()) }
        #expect(throws: TrainError.self) { try update.accumulateTokens(batch, labels: [0, 0], loss: CrossEntropyLoss()) }
    }

    @Test func wordLabelsFallOnFirstSubTokensAsRunNER() throws {
        let doc = try Self.fixture()
        let words = doc["words"] as! [[String]], tags = doc["tags"] as! [[String]]
        let ids = doc["input_ids"] as! [[Int]], mask = doc["attention_mask"] as! [[Int]], labelIds = doc["label_ids"] as! [[Int]]
        let labels = doc["labels"] as! [String]
        let examples = zip(words, tags).enumerated().map { i, wt in TaggedExample.words(TaggedSentence(words: wt.0, tags: wt.1, line: i + 1)) }
        let tok = try Tokenizer(directory: TestPaths.fixture("entities/tiny-ner"))
        let data = try TokenTrainingData(examples, labels: labels, tokenizer: tok, maxLength: 128, source: "token_train.json")
        for (k, item) in data.items.enumerated() {
            let n = mask[k].reduce(0, +)
            #expect(item.ids.map(Int.init) == Array(ids[k].prefix(n)), "sentence \(k): ids as is_split_into_words")
            #expect(item.labels == Array(labelIds[k].prefix(n)), "sentence \(k): labels as run_ner.py")
        }
        // The same sentences as text + spans: every word of a span labeled, first sub-tokens only.
        let spans = examples.map { TaggedExample.spans($0.annotatedText) }
        let fromSpans = try TokenTrainingData(spans, labels: labels, tokenizer: tok, maxLength: 128, source: "spans")
        for (a, b) in zip(data.items, fromSpans.items) {
            #expect(a.ids == b.ids)
            #expect(a.labels == b.labels, "spans give the word labels back for words the tokenizer splits the same way")
        }
        // label_all_tokens: later sub-tokens get the word's I- label.
        let all = try TokenTrainingData(examples, labels: labels, tokenizer: tok, maxLength: 128, labelAllTokens: true, source: "x")
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        for (first, every) in zip(data.items, all.items) {
            var wordLabel: String? = nil
            for t in 1..<(first.labels.count - 1) {
                if first.labels[t] != ParameterUpdate.ignoredLabel {
                    wordLabel = labels[first.labels[t]]
                    #expect(every.labels[t] == first.labels[t])
                } else {
                    // A later sub-token: the word's tag with B- turned into I- (run_ner's b_to_i_label).
                    let want = wordLabel.map { $0.hasPrefix("B-") ? "I-" + $0.dropFirst(2) : $0 }
                    #expect(every.labels[t] == want.flatMap { index[$0] }, "token \(t)")
                }
            }
        }
        // Unknown tags are refused with the line.
        let bad = [TaggedExample.words(TaggedSentence(words: ["x"], tags: ["B-FOO"], line: 7))]
        do { _ = try TokenTrainingData(bad, labels: labels, tokenizer: tok, maxLength: 128, source: "data.conll"); Issue.record("unknown tag accepted") } catch {
            #expect(error.localizedDescription.contains("data.conll line 7"))
        }
    }
}
