import SiftEngine
import SiftTokenizers

extension TextEncoder {
    /// Refuses window settings the tokenizer cannot honour.
    public func validate(_ o: LongTextOptions) throws {
        let room = maxLength - (tokenizer.postProcessor?.addedTokens(isPair: false) ?? 0)
        if o.mode == .window {
            guard o.stride >= 0, o.stride < room else {
                throw InferenceError.badInput("stride \(o.stride) must be at least 0 and below the \(room) text tokens of a window (max length \(maxLength))")
            }
            guard o.maxWindows >= 1 else { throw InferenceError.badInput("max windows must be at least 1, got \(o.maxWindows)") }
        }
    }

    /// The model inputs for one text under a long-text policy: one for `truncate` and
    /// `headTail`, up to `maxWindows` for `window` (Hugging Face's overflowing windows).
    public func encode(_ text: String, longText o: LongTextOptions) -> [EncodedText] {
        switch o.mode {
        case .truncate:
            return [encode(text)]
        case .window:
            var opts = options
            opts.stride = o.stride
            let e = tokenizer.encode(text, options: opts)
            let windows = [e] + e.overflowing
            return windows.prefix(o.maxWindows).map { EncodedText(ids: $0.ids, typeIds: $0.typeIds) }
        case .headTail:
            let room = maxLength - 2
            var content = tokenizer.encode(text, options: EncodeOptions(addSpecialTokens: false))
            guard content.count > room, room > 0 else { return [encode(text)] }
            // The untruncated length, read before the ids are cut (what `truncate: false` checks).
            let fullLength = content.count + 2
            let head = (room + 3) / 4
            let tail = room - head
            content.ids = Array(content.ids.prefix(head)) + Array(content.ids.suffix(tail))
            let ids = [tokenizer.clsTokenId] + content.ids + [tokenizer.sepTokenId]
            return [EncodedText(ids: ids, typeIds: [Int32](repeating: 0, count: ids.count), fullLength: fullLength)]
        }
    }
}

extension Classification {
    /// One text's result from its windows' results: each label's mean or max, of the scores and
    /// of the logits alike.
    public static func combine(_ windows: [Classification], _ how: WindowAggregation) -> Classification {
        guard windows.count > 1 else { return windows.first ?? Classification(scores: [], logits: []) }
        func fold(_ rows: [[Float]]) -> [Float] {
            var out = rows[0]
            for r in rows.dropFirst() {
                for j in out.indices { out[j] = how == .max ? Swift.max(out[j], r[j]) : out[j] + r[j] }
            }
            if how == .mean { for j in out.indices { out[j] /= Float(rows.count) } }
            return out
        }
        return Classification(scores: fold(windows.map(\.scores)), logits: fold(windows.map(\.logits)))
    }
}

extension OfflineRunner {
    /// `classify(next:with:emit:)` under a long-text policy: every window of a chunk packed
    /// together, each text's windows combined.
    public func classify(next: () throws -> String?, with classifier: any TextClassifier, longText o: LongTextOptions,
                         emit: (Classification) throws -> Void) throws {
        guard o.mode != .truncate else { return try classify(next: next, with: classifier, emit: emit) }
        try bundle.encoder.validate(o)
        try forEachChunk(next) { chunk in
            let windows = chunk.map { bundle.encoder.encode($0, longText: o) }
            var results: [Classification] = []
            for batch in try PackedBatch(encodings: windows.flatMap { $0 }).split(maxTokens: maxTokensPerForward) {
                results += try classifier.predict(batch, acts: acts)
            }
            var k = 0
            for w in windows {
                try emit(Classification.combine(Array(results[k..<(k + w.count)]), o.aggregation))
                k += w.count
            }
        }
    }

    public func classify(_ texts: [String], with classifier: any TextClassifier, longText o: LongTextOptions) throws -> [Classification] {
        var out: [Classification] = []
        var it = texts.makeIterator()
        try classify(next: { it.next() }, with: classifier, longText: o, emit: { out.append($0) })
        return out
    }
}
