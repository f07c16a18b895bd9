import Foundation

extension BertModel {
    /// A `…ForMaskedLM` model from a Hugging Face folder: the encoder (and a pooler the checkpoint
    /// has, kept so that fine-tuning after pretraining starts from it) by name, and the masked-LM
    /// head when the checkpoint carries one (`cls.predictions.*`, old `gamma`/`beta` names too).
    /// Without one, `headLoaded` is false and the head's tensors are zero: the caller initializes
    /// them (the trainer does, as transformers' `_init_weights`). A classification head in the
    /// folder is ignored.
    ///
    /// The decoder is tied to the word embeddings; a checkpoint whose stored decoder weight
    /// differs from them (`tie_word_embeddings: false`) is refused rather than silently tied.
    public static func loadMaskedLM(directory: URL) throws -> (model: BertModel, headLoaded: Bool) {
        if LoRAAdapterFolder.isAdapter(directory) {
            throw EngineError.badInput("\(directory.path) is a LoRA adapter; merge it first (sift merge) to pretrain or fill masks with it")
        }
        let config = try BertConfig.load(directory.appendingPathComponent("config.json"))
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else { throw EngineError.noWeights(directory: directory.path) }
        let file = try SafetensorsFile(url: weightsURL)
        let family = config.family
        func find(_ name: String) -> TensorInfo? { checkpointTensor(name, in: file, family: family) }
        let naming = family.naming(sequenceHead: false)
        let hasPooler = find(naming.name(of: .pooler(.weight))) != nil
        var cfg = config
        cfg.id2label = nil; cfg.label2id = nil; cfg.problemType = nil
        cfg.architectures = [family.architecture(.maskedLM)]
        let model = BertModel(config: cfg, pooler: hasPooler, head: .maskedLM)
        let headEntries = model.layout.entries.filter { if case .maskedLM = $0.id { return true } else { return false } }
        let headLoaded = find(headEntries[0].name) != nil
        for entry in model.layout.entries {
            guard let info = find(entry.name) else {
                if case .maskedLM = entry.id, !headLoaded { continue }
                throw EngineError.missingTensor(file: file.path, tensor: entry.name)
            }
            guard info.shape == entry.shape else {
                throw EngineError.shapeMismatch(file: file.path, tensor: info.name, expected: entry.shape, found: info.shape)
            }
            guard info.dtype != .i64 else {
                throw EngineError.badSafetensors(file: file.path, tensor: info.name, reason: "expected a float tensor, found I64")
            }
            try file.copyFloats(info, into: model.parameters.base + entry.offset)
        }
        if let decoder = find(family.tiedDecoderName) {
            let word = model.layout[id: .wordEmbeddings]!
            guard decoder.shape == word.shape else {
                throw EngineError.shapeMismatch(file: file.path, tensor: decoder.name, expected: word.shape, found: decoder.shape)
            }
            var stored = [Float](repeating: 0, count: word.count)
            try stored.withUnsafeMutableBufferPointer { try file.copyFloats(decoder, into: $0.baseAddress!) }
            let table = model.parameters.base + word.offset
            if (0..<word.count).contains(where: { stored[$0] != table[$0] }) {
                throw EngineError.badSafetensors(file: file.path, tensor: decoder.name,
                    reason: "the decoder differs from the word embeddings (an untied head); Sift ties them as tie_word_embeddings does")
            }
        }
        return (model, headLoaded)
    }

}
