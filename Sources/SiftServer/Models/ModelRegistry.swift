import Foundation
import SiftEngine
import SiftInference
import Synchronization

/// One configured model as served: its batcher when loaded, why not when it failed, and its rules.
public final class ServedModel: Sendable {
    public enum State: Sendable {
        case loaded(DynamicBatcher)
        case failed(String)
    }

    public let name: String
    public let spec: ModelSpec
    public let state: State
    public let rules: RuleSet?

    public init(name: String, spec: ModelSpec, state: State, rules: RuleSet?) {
        self.name = name
        self.spec = spec
        self.state = state
        self.rules = rules
    }

    public var batcher: DynamicBatcher? {
        if case .loaded(let b) = state { return b }
        return nil
    }

    public var info: ModelInfo? { batcher?.model.info }
    public var version: String { info?.version ?? spec.version ?? "unavailable" }
    public var isLoaded: Bool { batcher != nil }
}

/// The named models a server answers for. Lookups take a snapshot, so a reload that swaps the
/// table never disturbs a request already holding its `ServedModel`: the old batcher drains its
/// queue and stops on its own.
public final class ModelRegistry: Sendable {
    private let table: Mutex<[String: ServedModel]>

    public init(_ models: [String: ServedModel] = [:]) {
        table = Mutex(models)
    }

    public func model(named name: String) -> ServedModel? {
        table.withLock { $0[name] }
    }

    public var all: [ServedModel] {
        table.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// Installs a new table and returns the one it replaced.
    @discardableResult
    public func replace(with models: [String: ServedModel]) -> [String: ServedModel] {
        table.withLock { t in
            let old = t
            t = models
            return old
        }
    }

    /// Loads every spec (a failure is recorded, not thrown: the model is then served by its rules).
    public static func load(
        specs: [String: ModelSpec], loader: any ModelLoader, batching: DynamicBatcher.Options,
        observer: (any BatchObserver)?
    ) async throws -> [String: ServedModel] {
        var out: [String: ServedModel] = [:]
        for name in specs.keys.sorted() {
            guard let spec = specs[name] else { continue }
            if let problem = ModelName.problem(with: name) { throw ConfigError("models.\(name): \(problem)") }
            let rules = try spec.fallback.map { try RuleSet($0) }
            let state: ServedModel.State
            do {
                var model = try await loader.load(spec)
                if model.info.name != name { model = RenamedModel(base: model, name: name) }
                state = .loaded(DynamicBatcher(model: model, options: batching, observer: observer))
            } catch {
                state = .failed("\(error)")
            }
            out[name] = ServedModel(name: name, spec: spec, state: state, rules: rules)
        }
        return out
    }
}

/// Serves a loaded model under the name it was configured with.
struct RenamedModel: ServableModel {
    let base: any ServableModel
    let info: ModelInfo
    init(base: any ServableModel, name: String) {
        self.base = base
        var info = base.info
        info.name = name
        self.info = info
    }
    func encode(_ texts: [String]) -> [EncodedText] { base.encode(texts) }
    func encode(pairs: [(String, String)]) -> [EncodedText] { base.encode(pairs: pairs) }
    func classify(_ batch: PackedBatch) async throws -> [Classification] { try await base.classify(batch) }
    func embed(_ batch: PackedBatch) async throws -> [[Float]] { try await base.embed(batch) }
    // Every requirement with a default is forwarded too, or the wrapper would answer with the default.
    func classifyTokens(_ batch: PackedBatch) async throws -> [TokenScores] { try await base.classifyTokens(batch) }
    func encode(_ texts: [String], longText: LongTextOptions) throws -> [[EncodedText]] { try base.encode(texts, longText: longText) }
    var entityRecognizer: EntityRecognizer? { base.entityRecognizer }
    var attributionMethods: [AttributionMethod] { base.attributionMethods }
    func explain(_ text: String, options: ExplainOptions) async throws -> Explanation { try await base.explain(text, options: options) }
}
