import Foundation
import SiftCore

// PEFT's LoRA folder: `adapter_config.json` (LoraConfig) and `adapter_model.safetensors` (the
// factors under `base_model.model.<module>.lora_A.weight`, and the `modules_to_save` — the head —
// under `base_model.model.<name>`), beside Sift's `config.json` (labels) and the tokenizer files.
// Python loads it with `PeftModel.from_pretrained(base, folder)`; Sift loads it over the base.

/// The fields of PEFT's `adapter_config.json` that Sift reads and writes.
public struct PEFTAdapterConfig: Codable, Sendable, Equatable {
    public var peftType: String
    public var taskType: String?
    public var baseModelNameOrPath: String?
    public var r: Int
    public var loraAlpha: Double
    public var loraDropout: Double
    public var targetModules: [String]
    public var modulesToSave: [String]?
    public var bias: String
    public var fanInFanOut: Bool
    public var useRslora: Bool
    public var useDora: Bool
    public var initLoraWeights: Bool
    public var inferenceMode: Bool
    public var layersToTransform: [Int]?
    public var rankPattern: [String: Int]
    public var alphaPattern: [String: Double]
    /// Options of newer PEFT versions, set in this file, that change what the adapter computes
    /// (`lora_bias`, `exclude_modules`, `target_parameters`, ...): Sift refuses them by name.
    public var unsupported: [String] = []

    enum CodingKeys: String, CodingKey {
        case peftType = "peft_type", taskType = "task_type", baseModelNameOrPath = "base_model_name_or_path", r
        case loraAlpha = "lora_alpha", loraDropout = "lora_dropout", targetModules = "target_modules"
        case modulesToSave = "modules_to_save", bias, fanInFanOut = "fan_in_fan_out", useRslora = "use_rslora"
        case useDora = "use_dora", initLoraWeights = "init_lora_weights", inferenceMode = "inference_mode"
        case layersToTransform = "layers_to_transform", rankPattern = "rank_pattern", alphaPattern = "alpha_pattern"
    }

    public init(lora: LoRAConfig, base: String, modulesToSave: [String]) {
        peftType = "LORA"; taskType = "SEQ_CLS"; baseModelNameOrPath = base
        r = lora.rank; loraAlpha = lora.alpha; loraDropout = Double(lora.dropout); targetModules = lora.targets
        self.modulesToSave = modulesToSave; bias = "none"; fanInFanOut = false; useRslora = lora.rsLoRA
        useDora = false; initLoraWeights = true; inferenceMode = true; layersToTransform = nil
        rankPattern = [:]; alphaPattern = [:]
    }

    /// Keys that are harmless unset (null, false, empty) and change the computation when set.
    enum ExtensionKeys: String, CodingKey, CaseIterable {
        case loraBias = "lora_bias", useQalora = "use_qalora", excludeModules = "exclude_modules"
        case targetParameters = "target_parameters", trainableTokenIndices = "trainable_token_indices"
        case layerReplication = "layer_replication", aloraInvocationTokens = "alora_invocation_tokens"
        case useBdlora = "use_bdlora", useDora = "use_dora"
    }

    /// PEFT writes `target_modules` as a list, or as one string that is a full-match regex.
    public init(from decoder: Decoder) throws {
        let x = try decoder.container(keyedBy: ExtensionKeys.self)
        for key in ExtensionKeys.allCases where key != .useDora && x.contains(key) {
            if (try? x.decodeNil(forKey: key)) == true || (try? x.decode(Bool.self, forKey: key)) == false { continue }
            if let list = try? x.decode([AnyJSON].self, forKey: key), list.isEmpty { continue }
            if let object = try? x.decode([String: AnyJSON].self, forKey: key), object.isEmpty { continue }
            unsupported.append(key.rawValue)
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        peftType = try c.decode(String.self, forKey: .peftType)
        taskType = try c.decodeIfPresent(String.self, forKey: .taskType)
        baseModelNameOrPath = try c.decodeIfPresent(String.self, forKey: .baseModelNameOrPath)
        r = try c.decodeIfPresent(Int.self, forKey: .r) ?? 8
        loraAlpha = try c.decodeIfPresent(Double.self, forKey: .loraAlpha) ?? 8
        loraDropout = try c.decodeIfPresent(Double.self, forKey: .loraDropout) ?? 0
        if let list = try? c.decode([String].self, forKey: .targetModules) {
            targetModules = list
        } else if let pattern = try? c.decode(String.self, forKey: .targetModules) {
            throw EngineError.badInput("target_modules is the regular expression '\(pattern)'; Sift reads a list of module names")
        } else {
            targetModules = []
        }
        modulesToSave = try c.decodeIfPresent([String].self, forKey: .modulesToSave)
        bias = try c.decodeIfPresent(String.self, forKey: .bias) ?? "none"
        fanInFanOut = try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) ?? false
        useRslora = try c.decodeIfPresent(Bool.self, forKey: .useRslora) ?? false
        useDora = try c.decodeIfPresent(Bool.self, forKey: .useDora) ?? false
        initLoraWeights = (try? c.decodeIfPresent(Bool.self, forKey: .initLoraWeights)) ?? true
        inferenceMode = try c.decodeIfPresent(Bool.self, forKey: .inferenceMode) ?? true
        layersToTransform = try? c.decodeIfPresent([Int].self, forKey: .layersToTransform)
        rankPattern = (try? c.decodeIfPresent([String: Int].self, forKey: .rankPattern)) ?? [:]
        alphaPattern = (try? c.decodeIfPresent([String: Double].self, forKey: .alphaPattern)) ?? [:]
    }

    /// The settings as Sift runs them; what Sift does not implement is refused by name.
    public func loraConfig(file: String) throws -> LoRAConfig {
        func refuse(_ why: String) -> EngineError { .badConfig(file: file, reason: why) }
        guard peftType == "LORA" else { throw refuse("peft_type is \(peftType); Sift loads LORA adapters") }
        guard bias == "none" else { throw refuse("bias '\(bias)' adapters train base biases; Sift reads bias 'none'") }
        guard !fanInFanOut else { throw refuse("fan_in_fan_out is for Conv1D (GPT-2) layers; BERT-family layers are nn.Linear") }
        guard !useDora else { throw refuse("use_dora: DoRA adapters are not supported") }
        guard layersToTransform == nil else { throw refuse("layers_to_transform is not supported: adapt every layer") }
        guard rankPattern.isEmpty, alphaPattern.isEmpty else { throw refuse("rank_pattern / alpha_pattern are not supported") }
        if let key = unsupported.first { throw refuse("\(key) is set; Sift loads plain LoRA adapters (that option is not supported)") }
        if let t = taskType, t != "SEQ_CLS" { throw refuse("task_type \(t); Sift loads SEQ_CLS (sequence classification) adapters") }
        let config = LoRAConfig(rank: r, alpha: loraAlpha, dropout: Float(loraDropout), targets: targetModules, rsLoRA: useRslora)
        do { try config.validate() } catch { throw refuse(error.localizedDescription) }
        return config
    }
}

/// Reading and writing PEFT LoRA folders.
public enum LoRAAdapterFolder {
    public static let configName = "adapter_config.json"
    public static let weightsName = "adapter_model.safetensors"
    /// PEFT's prefix for every saved tensor (the PeftModel's `base_model.model`).
    static let savedPrefix = "base_model.model."

    /// Whether a folder is a LoRA adapter (rather than a whole model).
    public static func isAdapter(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(configName).path)
    }

    /// Where a model folder's tokenizer is: the folder itself, or, for an adapter PEFT saved
    /// without tokenizer files, its base.
    public static func tokenizerDirectory(_ directory: URL) -> URL {
        let fm = FileManager.default
        guard isAdapter(directory),
              !["tokenizer.json", "vocab.txt"].contains(where: { fm.fileExists(atPath: directory.appendingPathComponent($0).path) }),
              let config = try? readConfig(directory), let base = try? baseDirectory(of: directory, config: config) else { return directory }
        return base
    }

    public static func readConfig(_ directory: URL) throws -> PEFTAdapterConfig {
        let url = directory.appendingPathComponent(configName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw EngineError.unreadable(file: url.path, reason: "no such file")
        }
        do { return try JSONDecoder().decode(PEFTAdapterConfig.self, from: data) } catch let e as EngineError {
            throw EngineError.badConfig(file: url.path, reason: e.localizedDescription)
        } catch {
            throw EngineError.badConfig(file: url.path, reason: "not a PEFT adapter config (\(error))")
        }
    }

    /// The base folder: `base` when given, else `base_model_name_or_path` as written (absolute, or
    /// relative to the adapter folder, then to the working directory).
    public static func baseDirectory(of directory: URL, config: PEFTAdapterConfig, base: URL? = nil) throws -> URL {
        if let base { return base }
        let file = directory.appendingPathComponent(configName).path
        guard let path = config.baseModelNameOrPath, !path.isEmpty else {
            throw EngineError.badConfig(file: file, reason: "base_model_name_or_path is empty; name the base model folder")
        }
        let fm = FileManager.default
        let candidates = path.hasPrefix("/") ? [URL(fileURLWithPath: path)]
            : [directory.appendingPathComponent(path).standardizedFileURL, URL(fileURLWithPath: path).standardizedFileURL]
        guard let found = candidates.first(where: { fm.fileExists(atPath: $0.appendingPathComponent("config.json").path) }) else {
            throw EngineError.badConfig(file: file, reason: "base_model_name_or_path '\(path)' is not a model folder here (no config.json at \(candidates.map(\.path).joined(separator: " or "))); Sift never downloads models")
        }
        return found
    }

    /// The adapter over its base, unmerged (training resumes on it, `mergingAdapters` serves it).
    /// Every tensor of the adapted model comes from the adapter file (factors, saved modules) or
    /// the base; a factor the file lacks, a tensor it has that this base does not, or a shape that
    /// differs is an error naming the file: an adapter over the wrong base never loads.
    public static func load(directory: URL, base: URL? = nil) throws -> BertModel {
        let peft = try readConfig(directory)
        let configFile = directory.appendingPathComponent(configName).path
        let loraConfig = try peft.loraConfig(file: configFile)
        let baseDir = try baseDirectory(of: directory, config: peft, base: base)
        let ownConfig = directory.appendingPathComponent("config.json")
        let config = try BertConfig.load(FileManager.default.fileExists(atPath: ownConfig.path)
                                         ? ownConfig : baseDir.appendingPathComponent("config.json"))
        let baseFile = try SafetensorsFile(url: baseDir.appendingPathComponent("model.safetensors"))
        let adapterFile = try SafetensorsFile(url: directory.appendingPathComponent(weightsName))
        let naming = config.family.naming(sequenceHead: true)
        let prefix = naming.modelPrefix

        // The classifier as saved (`modules_to_save`) decides the labels.
        // A tensor this base needs that the adapter lacks: say what the adapter holds instead.
        func madeForAnother(_ tensor: String) -> EngineError {
            let held = adapterFile.tensors.keys.sorted().first ?? "nothing"
            return .badSafetensors(file: adapterFile.path, tensor: tensor,
                reason: "missing: this \(config.family.modelType) base (\(baseDir.path)) needs it, the adapter holds \(held) and the like; it was made for another model")
        }
        let classifierName = savedPrefix + naming.name(of: .classifier(.weight))
        guard let classifier = adapterFile.tensors[classifierName] else { throw madeForAnother(classifierName) }
        var cfg = config
        let labels = cfg.numLabels ?? classifier.shape.first ?? 0
        if cfg.numLabels == nil {
            cfg.id2label = Dictionary(uniqueKeysWithValues: (0..<labels).map { ($0, "LABEL_\($0)") })
        }
        let layout: LoRALayout
        do { layout = try LoRALayout(config: loraConfig, model: cfg) } catch {
            throw EngineError.badConfig(file: configFile, reason: error.localizedDescription)
        }
        let hasPooler = baseFile.tensors[naming.name(of: .pooler(.weight))] != nil
            || baseFile.tensors[prefix + naming.name(of: .pooler(.weight))] != nil
        let model = BertModel(config: cfg, pooler: hasPooler, head: .sequenceClassification(labels: labels), lora: layout)

        var used: Set<String> = []
        func inAdapter(_ e: ParameterLayout.Entry) -> TensorInfo? {
            for n in [savedPrefix + prefix + e.name, savedPrefix + e.name] {
                if let t = adapterFile.tensors[n] { used.insert(n); return t }
            }
            return nil
        }
        func inBase(_ name: String) -> TensorInfo? {
            baseFile.tensors[name] ?? baseFile.tensors[prefix + name]
        }
        for e in model.layout.entries {
            let file: SafetensorsFile, info: TensorInfo
            if let t = inAdapter(e) {
                file = adapterFile; info = t
            } else if case .lora = e.id {
                throw madeForAnother(savedPrefix + prefix + e.name)
            } else if let t = inBase(e.name) {
                file = baseFile; info = t
            } else {
                throw EngineError.missingTensor(file: e.part == .classifier ? adapterFile.path : baseFile.path, tensor: e.name)
            }
            guard info.shape == e.shape else {
                throw EngineError.shapeMismatch(file: file.path, tensor: info.name, expected: e.shape, found: info.shape)
            }
            guard info.dtype != .i64 else {
                throw EngineError.badSafetensors(file: file.path, tensor: info.name, reason: "expected a float tensor, found I64")
            }
            try file.copyFloats(info, into: model.parameters.base + e.offset)
        }
        if let extra = adapterFile.tensors.keys.sorted().first(where: { !used.contains($0) }) {
            throw EngineError.badSafetensors(file: adapterFile.path, tensor: extra,
                reason: "this base (\(baseDir.path)) has no such layer: the adapter was made for another model")
        }
        return model
    }

    /// The names `modules_to_save` lists for a model's trained non-adapter tensors: the head's
    /// modules (`classifier`, DistilBERT's `pre_classifier`) and the pooler when it trained.
    public static func modulesToSave(_ model: BertModel, trainable: TrainableParts) -> [String] {
        let naming = model.naming
        var modules: [String] = []
        for e in model.layout.entries where e.id.role == .linearWeight && e.part != .adapters && trainable.trains(e.part) {
            // The top-level module: `classifier.dense.weight` and `classifier.out_proj.weight` are
            // both `classifier`, `pooler.dense.weight` is `pooler`.
            let module = String(naming.name(of: e.id).split(separator: ".").first ?? "")
            if !modules.contains(module) { modules.append(module) }
        }
        return modules
    }

    /// Writes `adapter_model.safetensors` (the factors and the trained parts of `model`) and
    /// `adapter_config.json`. Crash-safe like `BertModel.save`: adapter_config.json is the
    /// folder's commit record, written last and removed first when it changes, so a kill leaves
    /// the previous adapter, this one, or a folder no loader takes.
    public static func write(_ model: BertModel, trainable: TrainableParts, base: String, to directory: URL) throws {
        guard let lora = model.lora else { throw EngineError.badInput("the model has no LoRA adapters to save") }
        let naming = model.naming, prefix = naming.modelPrefix
        var entries: [SafetensorsWriter.Entry] = []
        for e in model.layout.entries where e.part == .adapters || e.part == .classifier || (e.part == .pooler && trainable.pooler) {
            let name = savedPrefix + (e.part == .classifier ? e.name : prefix + e.name)
            entries.append(SafetensorsWriter.Entry(name: name, shape: e.shape,
                payload: .f32(UnsafeBufferPointer(start: model.parameters.base + e.offset, count: e.count))))
        }
        let peft = PEFTAdapterConfig(lora: lora.config, base: base, modulesToSave: modulesToSave(model, trainable: trainable))
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let peftData = try enc.encode(peft)
        var cfg = model.config
        cfg.architectures = [cfg.family.architecture(model.head)]
        let configData = try enc.encode(cfg)
        let configURL = directory.appendingPathComponent(configName)
        let weights = try AtomicWriter(url: directory.appendingPathComponent(weightsName))
        try SafetensorsWriter.write(entries, into: weights)
        try weights.sync()
        if let current = FileManager.default.contents(atPath: configURL.path), current != peftData {
            try AtomicWriter.remove(configURL)
        }
        // A whole model's weights from an earlier run must not sit beside an adapter.
        try AtomicWriter.remove(directory.appendingPathComponent("model.safetensors"))
        try weights.commit()
        try AtomicWriter.write(configData, to: directory.appendingPathComponent("config.json"))
        try AtomicWriter.write(peftData, to: configURL)
    }
}

/// Any JSON value, read only to tell an empty list or object from a set option.
private struct AnyJSON: Decodable {
    init(from decoder: Decoder) throws {}
}
