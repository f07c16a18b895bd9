import Foundation
import SiftCore
import SiftEngine

/// The end of an epoch, shared by the text and the tag trainers: the validation figure decides
/// whether this epoch's model is saved (the best so far), the counter of epochs without
/// improvement, the resumable checkpoint, and early stopping.
extension Checkpoint.State {
    /// Whether `metric` beats the best so far (the first evaluation always does).
    func improves(_ metric: Double, higherIsBetter: Bool) -> Bool {
        best.map { higherIsBetter ? metric > $0 : metric < $0 } ?? true
    }

    /// Records epoch `epoch` (0-based): on improvement `save` writes the model folder first;
    /// then the checkpoint (model, AdamW moments, this state) goes to `checkpointDir`.
    mutating func finishEpoch(_ epoch: Int, metric: Double, improved: Bool, optimizer: AdamW, model: BertModel,
                              checkpointDir: URL, save: () throws -> Void) throws {
        if improved {
            best = metric; bestEpoch = epoch + 1; badEpochs = 0
            try save()
        } else {
            badEpochs += 1
        }
        epochsDone = epoch + 1
        adamStep = optimizer.step
        try Checkpoint.save(to: checkpointDir, model: model, optimizer: optimizer, state: self)
    }

    /// Whether `patience` evaluations without improvement end the run before its last epoch.
    func stopsEarly(after epoch: Int, patience: Int?, epochs: Int) -> Bool {
        guard let patience else { return false }
        return badEpochs >= patience && epoch + 1 < epochs
    }
}

/// A trained model's Hugging Face folder.
enum ModelFolder {
    /// The base's tokenizer files, then `BertModel.save` (weights, config.json last). Every file
    /// goes through `AtomicWriter`. When the folder holds another model's tokenizer files (an
    /// earlier run), config.json is removed first, so a kill mid-save leaves a folder that does
    /// not load rather than one that loads as a mix. Re-saves within a run change only the
    /// weights, one atomic rename: the folder always loads, as the previous best or the new one.
    static func write(_ model: BertModel, tokenizerFrom base: URL, to out: URL) throws {
        try writeTokenizer(from: base, to: out, commitRecord: "config.json")
        // An adapter from an earlier run must not sit beside a whole model: loaders would prefer it.
        try AtomicWriter.remove(out.appendingPathComponent(LoRAAdapterFolder.configName))
        try AtomicWriter.remove(out.appendingPathComponent(LoRAAdapterFolder.weightsName))
        try model.save(directory: out)
    }

    /// A PEFT adapter folder: the base's tokenizer files, then `LoRAAdapterFolder.write`
    /// (adapter weights, config.json, adapter_config.json last). The adapter names the base by
    /// its absolute path, so it loads from any working directory.
    static func writeAdapter(_ model: BertModel, trainable: TrainableParts, tokenizerFrom base: URL, to out: URL) throws {
        try writeTokenizer(from: base, to: out, commitRecord: LoRAAdapterFolder.configName)
        try LoRAAdapterFolder.write(model, trainable: trainable, base: base.absoluteURL.standardizedFileURL.path, to: out)
    }

    /// Copies the tokenizer files; when they change (another model's folder), `commitRecord` goes
    /// first so the folder never loads as a mix.
    private static func writeTokenizer(from base: URL, to out: URL, commitRecord: String) throws {
        AtomicWriter.removeStaleTemporaries(in: out)
        let fm = FileManager.default
        var tokenizer: [(URL, Data?)] = []
        for name in ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            let src = base.appendingPathComponent(name)
            let data = fm.fileExists(atPath: src.path) ? try Data(contentsOf: src) : nil
            tokenizer.append((out.appendingPathComponent(name), data))
        }
        if tokenizer.contains(where: { fm.contents(atPath: $0.0.path) != $0.1 }) {
            try AtomicWriter.remove(out.appendingPathComponent(commitRecord))
        }
        for (dst, data) in tokenizer {
            // A tokenizer file the base lacks must not survive from an earlier run: loaders would prefer it.
            if let data { try AtomicWriter.write(data, to: dst) } else { try AtomicWriter.remove(dst) }
        }
    }
}

/// Folds a LoRA adapter into its base: what `sift merge` writes.
public enum AdapterMerge {
    /// Loads the adapter folder over its base (`base`, else its `base_model_name_or_path`), adds
    /// s·B·A to each adapted weight (PEFT's `merge_and_unload`) and writes a whole Hugging Face
    /// folder to `out` (the adapter's tokenizer files, weights, config.json last). Returns the
    /// number of adapted layers. `out` must differ from the adapter and the base.
    @discardableResult
    public static func merge(adapter: URL, base: URL? = nil, to out: URL) throws -> Int {
        guard LoRAAdapterFolder.isAdapter(adapter) else {
            throw TrainError.badInput("\(adapter.path) is not a LoRA adapter folder (no \(LoRAAdapterFolder.configName))")
        }
        let baseDir = try LoRAAdapterFolder.baseDirectory(of: adapter, config: LoRAAdapterFolder.readConfig(adapter), base: base)
        let target = out.standardizedFileURL.resolvingSymlinksInPath().path
        for (role, dir) in [("adapter", adapter), ("base", baseDir)] where dir.standardizedFileURL.resolvingSymlinksInPath().path == target {
            throw TrainError.badOption("--out \(out.path) is the \(role) folder; write the merged model elsewhere")
        }
        let model = try LoRAAdapterFolder.load(directory: adapter, base: base)
        let sites = model.lora?.sites.count ?? 0
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try ModelFolder.write(model.mergingAdapters(), tokenizerFrom: adapter, to: out)
        return sites
    }
}
