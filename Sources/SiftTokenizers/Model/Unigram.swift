/// Hugging Face `Unigram` (SentencePiece's unigram language model): the segmentation of a word that
/// maximizes the sum of piece scores, found by Viterbi over a trie of the pieces. A character no
/// piece starts with costs the unknown score (lowest score − 10); consecutive unknown characters
/// fuse into one unknown token, or become `<0xXX>` byte pieces with `byteFallback`.
public struct Unigram: Sendable {
    public let vocab: [String]
    public let scores: [Double]
    public let unkId: Int32
    public let byteFallback: Bool
    let tokenToId: [String: Int32]

    private var edges: EdgeTable
    private var nodeToken: [Int32]   // piece id ending at each trie node, or -1
    private let unkScore: Double
    private let byteIds: [Int32]     // `<0xXX>` piece of each byte, or -1

    public init(pieces: [(String, Double)], unkId: Int, byteFallback: Bool = false) throws(TokenizerError) {
        guard !pieces.isEmpty else { throw .invalidConfiguration("the Unigram vocabulary is empty") }
        guard unkId >= 0 && unkId < pieces.count else {
            throw .invalidConfiguration("the Unigram unk_id \(unkId) is outside the vocabulary (\(pieces.count) pieces)")
        }
        var map: [String: Int32] = [:]
        map.reserveCapacity(pieces.count)
        var minScore = Double.infinity
        for (i, (p, s)) in pieces.enumerated() {
            map[p] = Int32(i)  // a later duplicate wins, as in Hugging Face
            if s < minScore { minScore = s }
        }
        self.vocab = pieces.map(\.0)
        self.scores = pieces.map(\.1)
        self.unkId = Int32(unkId)
        self.byteFallback = byteFallback
        self.tokenToId = map
        self.unkScore = minScore - 10

        var edges = EdgeTable(capacity: pieces.count * 4)
        var nodeToken: [Int32] = [-1]
        for (piece, id) in map {
            var node: Int32 = 0
            for s in piece.unicodeScalars {
                var next = edges.child(node, s.value)
                if next < 0 {
                    next = Int32(nodeToken.count)
                    nodeToken.append(-1)
                    edges.insert(node, s.value, next)
                }
                node = next
            }
            if node != 0 { nodeToken[Int(node)] = id }
        }
        self.edges = edges
        self.nodeToken = nodeToken
        var bytes = [Int32](repeating: -1, count: 256)
        if byteFallback {
            let hex = Array("0123456789ABCDEF")
            for b in 0..<256 { bytes[b] = map["<0x\(hex[b >> 4])\(hex[b & 15])>"] ?? -1 }
        }
        self.byteIds = bytes
    }

    /// `Unigram::encode_optimized` then `tokenize`: appends (id, start, end) in `chars` indices.
    func tokenize(_ chars: UnsafeBufferPointer<UInt32>, _ range: Range<Int>,
                  into pieces: inout [(id: Int32, start: Int32, end: Int32)], scratch: inout ModelScratch) {
        let n = range.count, lo = range.lowerBound
        guard n > 0 else { return }
        scratch.score.removeAll(keepingCapacity: true); scratch.score.append(contentsOf: repeatElement(0, count: n + 1))
        scratch.start.removeAll(keepingCapacity: true); scratch.start.append(contentsOf: repeatElement(-1, count: n + 1))
        scratch.id.removeAll(keepingCapacity: true); scratch.id.append(contentsOf: repeatElement(-1, count: n + 1))
        scratch.score.withUnsafeMutableBufferPointer { score in
        scratch.start.withUnsafeMutableBufferPointer { start in
        scratch.id.withUnsafeMutableBufferPointer { best in
        nodeToken.withUnsafeBufferPointer { nodeToken in
        scores.withUnsafeBufferPointer { scores in
            for i in 0..<n {
                let base = score[i]
                var node: Int32 = 0
                var single = false
                var j = i
                while j < n {
                    node = edges.child(node, chars[lo + j])
                    if node < 0 { break }
                    j += 1
                    let t = nodeToken[Int(node)]
                    guard t >= 0 else { continue }
                    let candidate = scores[Int(t)] + base
                    if start[j] < 0 || candidate > score[j] { score[j] = candidate; start[j] = Int32(i); best[j] = t }
                    if j == i + 1 { single = true }
                }
                if !single {
                    let candidate = unkScore + base
                    if start[i + 1] < 0 || candidate > score[i + 1] { score[i + 1] = candidate; start[i + 1] = Int32(i); best[i + 1] = unkId }
                }
            }
        }}}}}
        // Walk back from the end; runs of unknown pieces fuse into one.
        let first = pieces.count
        var end = n
        var unkEnd = -1  // end of the unknown run being fused, or -1
        while end > 0 {
            let s = Int(scratch.start[end]), id = scratch.id[end]
            if id == unkId {
                if unkEnd < 0 { unkEnd = end }
            } else {
                if unkEnd >= 0 { pieces.append((unkId, Int32(lo + end), Int32(lo + unkEnd))); unkEnd = -1 }
                pieces.append((id, Int32(lo + s), Int32(lo + end)))
            }
            end = s
        }
        if unkEnd >= 0 { pieces.append((unkId, Int32(lo), Int32(lo + unkEnd))) }
        pieces[first...].reverse()
        // A fused unknown run is looked up as a string (it may be a piece), else spelled as bytes.
        var k = first
        while k < pieces.count {
            let p = pieces[k]
            guard p.id == unkId else { k += 1; continue }
            var text = String.UnicodeScalarView()
            for c in Int(p.start)..<Int(p.end) { if let s = Unicode.Scalar(chars[c]) { text.append(s) } }
            let string = String(text)
            if let id = tokenToId[string] { pieces[k].id = id; k += 1; continue }
            if byteFallback {
                let ids = string.utf8.map { byteIds[Int($0)] }
                if !ids.contains(-1) {
                    pieces.replaceSubrange(k..<(k + 1), with: ids.map { ($0, p.start, p.end) })
                    k += ids.count
                    continue
                }
            }
            k += 1
        }
    }
}
