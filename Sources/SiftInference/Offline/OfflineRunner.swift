import SiftEngine

/// Runs texts through a model folder for the commands (`sift predict`, `sift embed`, `sift eval`,
/// the demo): texts are read in chunks of `batchSize`, each chunk encoded once on all cores,
/// packed, split so no forward pass exceeds `maxTokensPerForward` tokens, and scored; results
/// come out in input order. Only one chunk is in memory, so memory stays flat for any input
/// size, and the one activation workspace is reused for every forward.
public final class OfflineRunner {
    /// Bounds the activation workspace to about 90 MB for MiniLM.
    public static let defaultMaxTokensPerForward = 4096

    public let bundle: ModelBundle
    public let batchSize: Int
    public let maxTokensPerForward: Int
    let acts: Activations

    public init(bundle: ModelBundle, batchSize: Int = 32, maxTokensPerForward: Int = OfflineRunner.defaultMaxTokensPerForward) {
        self.bundle = bundle
        self.batchSize = max(1, batchSize)
        self.maxTokensPerForward = maxTokensPerForward
        acts = bundle.model.makeActivations()
    }

    // MARK: Streaming

    /// Classifies the texts `next` yields (nil ends them); `emit` gets one result per text, in order.
    public func classify(next: () throws -> String?, emit: (Classification) throws -> Void) throws {
        try classify(next: next, with: bundle.requireClassifier(), emit: emit)
    }

    /// Classifies with a head other than the folder's own (one just trained on its embeddings).
    public func classify(next: () throws -> String?, with classifier: any TextClassifier,
                         emit: (Classification) throws -> Void) throws {
        try forEachChunk(next) { chunk in
            for batch in try packedBatches(chunk) {
                for p in try classifier.predict(batch, acts: acts) { try emit(p) }
            }
        }
    }

    /// Embeds the texts `next` yields; `emit` gets one vector per text, in order (valid only
    /// during the call: it points into the reused workspace).
    public func embed(next: () throws -> String?, emit: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        let embedder = bundle.embedder
        let C = embedder.dimension
        try forEachChunk(next) { chunk in
            for batch in try packedBatches(chunk) {
                try embedder.embed(batch, acts: acts)
                for b in 0..<batch.batchSize { try emit(UnsafeBufferPointer(start: acts.sentence + b * C, count: C)) }
            }
        }
    }

    // MARK: In memory

    public func classify(_ texts: [String]) throws -> [Classification] {
        try classify(texts, with: bundle.requireClassifier())
    }

    public func classify(_ texts: [String], with classifier: any TextClassifier) throws -> [Classification] {
        var out: [Classification] = []
        out.reserveCapacity(texts.count)
        var it = texts.makeIterator()
        try classify(next: { it.next() }, with: classifier, emit: { out.append($0) })
        return out
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        var out: [[Float]] = []
        out.reserveCapacity(texts.count)
        var it = texts.makeIterator()
        try embed(next: { it.next() }, emit: { out.append(Array($0)) })
        return out
    }

    // MARK: Steps

    /// Consecutive chunks of at most `batchSize` texts, in input order.
    func forEachChunk(_ next: () throws -> String?, _ body: ([String]) throws -> Void) throws {
        var texts: [String] = []
        texts.reserveCapacity(batchSize)
        while let t = try next() {
            texts.append(t)
            if texts.count == batchSize { try body(texts); texts.removeAll(keepingCapacity: true) }
        }
        if !texts.isEmpty { try body(texts) }
    }

    /// One chunk encoded once and packed, in sub-batches of whole texts of at most `maxTokensPerForward` tokens.
    func packedBatches(_ chunk: [String]) throws -> [PackedBatch] {
        try PackedBatch(encodings: bundle.encoder.encode(chunk)).split(maxTokens: maxTokensPerForward)
    }
}

// MARK: Entities

extension OfflineRunner {
    /// Entities of the texts `next` yields; `emit` gets one list per text, in order. All windows
    /// of a chunk are packed together (split to `maxTokensPerForward`).
    public func entities(next: () throws -> String?, options: EntityOptions,
                         emit: ([Entity]) throws -> Void) throws {
        let recognizer = try bundle.requireEntityRecognizer()
        try recognizer.validate(options)
        try forEachChunk(next) { chunk in
            let windows = chunk.map { recognizer.windows($0, options: options) }
            let packed = try PackedBatch(encodings: EntityRecognizer.inputs(windows.flatMap { $0 }))
            var scores: [TokenScores] = []
            for batch in packed.split(maxTokens: maxTokensPerForward) {
                scores += try recognizer.classifier.predict(batch, acts: acts)
            }
            var k = 0
            for (text, w) in zip(chunk, windows) {
                try emit(recognizer.entities(text, windows: w, scores: Array(scores[k..<(k + w.count)]), options: options))
                k += w.count
            }
        }
    }

    public func entities(_ texts: [String], options: EntityOptions) throws -> [[Entity]] {
        var out: [[Entity]] = []
        var it = texts.makeIterator()
        try entities(next: { it.next() }, options: options, emit: { out.append($0) })
        return out
    }
}
