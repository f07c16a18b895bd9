import SiftEngine

extension OfflineRunner {
    /// Zero-shot over the texts `next` yields; `emit` gets one result per text, in order. A chunk
    /// of `batchSize` texts becomes all its (text × label) pairs at once (NLI), packed into
    /// forwards of at most `maxTokensPerForward` tokens; the embedding method embeds the label
    /// descriptions once, then each chunk of texts.
    public func zeroShot(_ zs: ZeroShotClassifier, next: () throws -> String?, emit: (ZeroShotResult) throws -> Void) throws {
        switch zs.method {
        case .nli:
            let classifier = try bundle.requireClassifier()
            try forEachChunk(next) { chunk in
                var logits: [[Float]] = []
                let encodings = zs.encodings(chunk, encoder: bundle.encoder)
                for batch in try PackedBatch(encodings: encodings).split(maxTokens: maxTokensPerForward) {
                    logits += try classifier.predict(batch, acts: acts).map(\.logits)
                }
                for r in zs.results(pairLogits: logits, texts: chunk.count) { try emit(r) }
            }
        case .embedding:
            let labelVectors = try embed(zs.labelTexts)
            try forEachChunk(next) { chunk in
                let vectors = try embed(chunk)
                for r in zs.results(textVectors: vectors, labelVectors: labelVectors) { try emit(r) }
            }
        }
    }

    public func zeroShot(_ zs: ZeroShotClassifier, texts: [String]) throws -> [ZeroShotResult] {
        var out: [ZeroShotResult] = []
        var it = texts.makeIterator()
        try zeroShot(zs, next: { it.next() }, emit: { out.append($0) })
        return out
    }
}
