import ArgumentParser
import Foundation
import SiftInference

/// `sift fill-mask MODEL TEXT...`: the masked-LM head's top-k tokens per [MASK].
struct FillMaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fill-mask",
        abstract: "Top-k tokens for each [MASK] of a text (a BertForMaskedLM folder, e.g. from sift pretrain).",
        discussion: """
        The answers of transformers' fill-mask pipeline: softmax over the vocabulary at each \
        mask, the --top-k most probable, each with its score, id, decoded token and the text \
        with it in place. --json prints one JSON line per text in the pipeline's shape (a list \
        per mask).
        """)

    @Argument(help: "The model folder.") var model: String
    @Argument(help: "Texts with one or more [MASK] tokens.") var texts: [String]
    @Option(help: "Candidates per mask.") var topK = 5
    @Flag(help: "One JSON line per text.") var json = false

    func run() throws {
        let filler = try MaskFiller(directory: URL(fileURLWithPath: model))
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for text in texts {
            let masks = try filler.fill(text, topK: topK)
            if json {
                print(String(decoding: try enc.encode(masks), as: UTF8.self))
                continue
            }
            print(text)
            for (i, candidates) in masks.enumerated() {
                if masks.count > 1 { print("  mask \(i + 1):") }
                for c in candidates {
                    print(String(format: "  %.4f  %@  (%d)  %@", c.score, c.tokenStr, c.token, c.sequence))
                }
            }
        }
    }
}
