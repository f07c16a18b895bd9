import ArgumentParser
import Foundation
import SiftTrain

/// `sift merge ADAPTER --out DIR`: a LoRA adapter folded into its base, as one model folder.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Fold a LoRA adapter folder into its base model: one Hugging Face folder out (PEFT's merge_and_unload).",
        discussion: """
        ADAPTER is what `sift train --mode lora` (or PEFT's save_pretrained) writes: \
        adapter_config.json and adapter_model.safetensors. Its base is --base, else the \
        adapter's base_model_name_or_path (absolute, or relative to the adapter folder, then to \
        the working directory). Each adapted weight becomes W + (alpha / r)·B·A; the merged folder \
        predicts as the adapter does, with no extra cost per request. predict, embed and serve \
        also take an adapter folder directly and merge it as they load.
        """)

    @Argument(help: "The adapter folder.") var adapter: String
    @Option(help: "Output folder for the merged model.") var out: String
    @Option(help: "The base model folder (default: the adapter's base_model_name_or_path).") var base: String?

    func run() throws {
        let sites = try AdapterMerge.merge(adapter: URL(fileURLWithPath: adapter), base: base.map { URL(fileURLWithPath: $0) },
                                           to: URL(fileURLWithPath: out))
        print("merged \(sites) adapted layers into \(out)")
    }
}
