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
        AtomicWriter.removeStaleTemporaries(in: out)
        let fm = FileManager.default
        var tokenizer: [(URL, Data?)] = []
        for name in ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            let src = base.appendingPathComponent(name)
            let data = fm.fileExists(atPath: src.path) ? try Data(contentsOf: src) : nil
            tokenizer.append((out.appendingPathComponent(name), data))
        }
        if tokenizer.contains(where: { fm.contents(atPath: $0.0.path) != $0.1 }) {
            try AtomicWriter.remove(out.appendingPathComponent("config.json"))
        }
        for (dst, data) in tokenizer {
            // A tokenizer file the base lacks must not survive from an earlier run: loaders would prefer it.
            if let data { try AtomicWriter.write(data, to: dst) } else { try AtomicWriter.remove(dst) }
        }
        try model.save(directory: out)
    }
}
