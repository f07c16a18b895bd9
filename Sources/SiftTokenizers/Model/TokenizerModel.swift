/// The `model` of a tokenizer.json: words (pre-tokenized code points) to vocabulary pieces.
public enum TokenizerModel: Sendable {
    case wordPiece(WordPiece)
    case unigram(Unigram)
    case bpe(BPE)

    /// Every piece, indexed by id.
    public var vocab: [String] {
        switch self {
        case .wordPiece(let m): return m.vocab
        case .unigram(let m): return m.vocab
        case .bpe(let m): return m.vocab
        }
    }

    public var vocabSize: Int { vocab.count }

    public var unkId: Int32 {
        switch self {
        case .wordPiece(let m): return m.unkId
        case .unigram(let m): return m.unkId
        case .bpe(let m): return m.unkId
        }
    }

    public func id(for token: String) -> Int32? {
        switch self {
        case .wordPiece(let m): return m.tokenToId[token]
        case .unigram(let m): return m.tokenToId[token]
        case .bpe(let m): return m.tokenToId[token]
        }
    }

    public func token(for id: Int32) -> String? {
        let v = vocab
        return id >= 0 && Int(id) < v.count ? v[Int(id)] : nil
    }

    /// Appends the pieces of each word `chars[words[k]]` as (id, start, end), `start..<end` in
    /// `chars` indices, and after each word the count of pieces so far to `wordEnds` (one switch per
    /// segment, not per word).
    @inline(__always)
    func tokenize(_ chars: UnsafeBufferPointer<UInt32>, words: [Range<Int>],
                  into pieces: inout [(id: Int32, start: Int32, end: Int32)], wordEnds: inout [Int32],
                  scratch: inout ModelScratch) {
        switch self {
        case .wordPiece(let m):
            for w in words { m.tokenize(chars, w, into: &pieces); wordEnds.append(Int32(pieces.count)) }
        case .unigram(let m):
            for w in words { m.tokenize(chars, w, into: &pieces, scratch: &scratch); wordEnds.append(Int32(pieces.count)) }
        case .bpe(let m):
            for w in words { m.tokenize(chars, w, into: &pieces, scratch: &scratch.bpe); wordEnds.append(Int32(pieces.count)) }
        }
    }
}

/// Reusable per-encoding buffers of the models (Unigram's lattice, BPE's symbols), so words allocate nothing.
struct ModelScratch {
    var bpe = BPEScratch()
    var score: [Double] = []
    var start: [Int32] = []
    var id: [Int32] = []
}

extension TokenizerModel {
    /// The tokenizer.json `model.type` this tokenizer runs ("WordPiece", "Unigram", "BPE").
    public var kindName: String {
        switch self {
        case .wordPiece: "WordPiece"
        case .unigram: "Unigram"
        case .bpe: "BPE"
        }
    }
}
