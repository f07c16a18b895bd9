/// Hugging Face `BPE` (GPT-2, RoBERTa, and SentencePiece-style BPE with `byte_fallback`): a word
/// starts as its characters (each looked up, with the continuing-subword prefix after the first
/// and the end-of-word suffix on the last), then adjacent pairs merge by rank, lowest first and
/// leftmost on a tie, exactly as `Word::merge_all`. Pieces keep HF's byte lengths, so that offsets
/// shift where HF's do (a character neither in the vocabulary nor unknown is dropped).
public struct BPE: Sendable {
    public let vocab: [String]
    /// The unknown token's id, or -1 when the model has none (byte-level BPE needs none).
    public let unkId: Int32
    public let continuingSubwordPrefix: String?
    public let endOfWordSuffix: String?
    public let fuseUnk: Bool
    public let byteFallback: Bool
    public let ignoreMerges: Bool
    let tokenToId: [String: Int32]

    struct Merge: Sendable { var rank: UInt32; var id: Int32 }
    /// (left id, right id) -> rank and merged id.
    let merges: MergeTable
    /// Ids of the one-character tokens, for words whose characters need no prefix or suffix:
    /// a flat table over the BMP (-1: none), a dictionary above it.
    private let bmpCharIds: [Int32]
    private let charIds: [UInt32: Int32]
    private let byteIds: [Int32]  // `<0xXX>` token of each byte, or -1

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    /// `merges` in rank order. A merge naming a token (or a merged token) missing from the vocabulary
    /// is refused, as `BpeBuilder::build` does; a pair listed twice keeps its later rank, as HF's map does.
    public init(vocab: [String], merges: [(String, String)], unkToken: String? = nil,
                continuingSubwordPrefix: String? = nil, endOfWordSuffix: String? = nil,
                fuseUnk: Bool = false, byteFallback: Bool = false, ignoreMerges: Bool = false) throws(TokenizerError) {
        var map: [String: Int32] = [:]
        map.reserveCapacity(vocab.count)
        for (i, t) in vocab.enumerated() where !t.isEmpty { map[t] = Int32(i) }  // empty: an id gap
        self.vocab = vocab
        self.tokenToId = map
        // HF fails at encoding time when the unknown token is missing; Sift then has no unknown token.
        self.unkId = unkToken.flatMap { map[$0] } ?? -1
        self.continuingSubwordPrefix = continuingSubwordPrefix.flatMap { $0.isEmpty ? nil : $0 }
        self.endOfWordSuffix = endOfWordSuffix.flatMap { $0.isEmpty ? nil : $0 }
        self.fuseUnk = fuseUnk
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
        let prefixBytes = self.continuingSubwordPrefix?.utf8.count ?? 0
        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = map[a] else { throw .invalidConfiguration("merges[\(rank)] \"\(a) \(b)\": \"\(a)\" is not in the vocabulary") }
            guard let ib = map[b] else { throw .invalidConfiguration("merges[\(rank)] \"\(a) \(b)\": \"\(b)\" is not in the vocabulary") }
            // HF drops the prefix's bytes from the right part unconditionally.
            let rest = Array(b.utf8.dropFirst(prefixBytes))
            let merged = a + String(decoding: rest, as: UTF8.self)
            guard let im = map[merged] else {
                throw .invalidConfiguration("merges[\(rank)] \"\(a) \(b)\": the merged token \"\(merged)\" is not in the vocabulary")
            }
            table[Self.key(ia, ib)] = Merge(rank: UInt32(rank), id: im)
        }
        self.merges = MergeTable(table)
        var chars: [UInt32: Int32] = [:]
        for (t, id) in map {
            var it = t.unicodeScalars.makeIterator()
            if let s = it.next(), it.next() == nil { chars[s.value] = id }
        }
        self.charIds = chars.filter { $0.key >= 0x10000 }
        var bmp = [Int32](repeating: -1, count: 0x10000)
        for (c, id) in chars where c < 0x10000 { bmp[Int(c)] = id }
        self.bmpCharIds = bmp
        var bytes = [Int32](repeating: -1, count: 256)
        if byteFallback {
            let hex = Array("0123456789ABCDEF")
            for b in 0..<256 { bytes[b] = map["<0x\(hex[b >> 4])\(hex[b & 15])>"] ?? -1 }
        }
        self.byteIds = bytes
    }

    @inline(__always) static func utf8Length(_ c: UInt32) -> Int32 { c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4 }

    /// `BPE::tokenize`: appends (id, start, end) in `chars` indices.
    func tokenize(_ chars: UnsafeBufferPointer<UInt32>, _ range: Range<Int>,
                  into pieces: inout [(id: Int32, start: Int32, end: Int32)], scratch: inout BPEScratch) {
        let lo = range.lowerBound, n = range.count
        guard n > 0 else { return }
        if ignoreMerges, let id = wholeWordId(chars, range) {
            pieces.append((id, Int32(lo), Int32(range.upperBound)))
            return
        }
        scratch.reset()
        // merge_word: the initial symbols, with HF's byte lengths.
        var unk: (id: Int32, len: Int32)? = nil
        let plain = continuingSubwordPrefix == nil && endOfWordSuffix == nil
        for k in 0..<n {
            let c = chars[lo + k]
            let byteLen = Self.utf8Length(c)
            var id: Int32? = nil
            var spelled: String? = nil
            if plain {
                id = charId(c)
            } else {
                var s = k > 0 ? continuingSubwordPrefix ?? "" : ""
                s.unicodeScalars.append(Unicode.Scalar(c) ?? "\u{FFFD}")
                if k == n - 1, let suffix = endOfWordSuffix { s += suffix }
                id = tokenToId[s]
                spelled = s
            }
            if let id {
                if let u = unk { scratch.add(u.id, u.len); unk = nil }
                scratch.add(id, byteLen)
                continue
            }
            if byteFallback {
                let s = spelled ?? String(Unicode.Scalar(c) ?? "\u{FFFD}")
                let ids = s.utf8.map { byteIds[Int($0)] }
                if !ids.contains(-1) {
                    // HF gives each byte token one byte, the prefix's and suffix's bytes included.
                    for b in ids { scratch.add(b, 1) }
                    continue
                }
            }
            if unkId >= 0 {
                if let u = unk {
                    if fuseUnk { unk = (u.id, u.len + byteLen); continue }
                    scratch.add(u.id, u.len)
                }
                unk = (unkId, byteLen)
            }
        }
        if let u = unk { scratch.add(u.id, u.len) }
        scratch.mergeAll(merges)
        // Byte positions back to characters of the word: a piece covers the characters its bytes touch.
        scratch.charOfByte.removeAll(keepingCapacity: true)
        for k in 0..<n { for _ in 0..<Self.utf8Length(chars[lo + k]) { scratch.charOfByte.append(Int32(k)) } }
        let total = scratch.charOfByte.count
        var pos = 0
        var i = 0
        while i >= 0 && i < scratch.c.count {
            let len = Int(scratch.len[i])
            let startByte = Swift.min(pos, total - 1), endByte = Swift.min(pos + len, total)
            let s = Int(scratch.charOfByte[startByte])
            let e = endByte > startByte ? Int(scratch.charOfByte[endByte - 1]) + 1 : s + 1
            pieces.append((scratch.c[i], Int32(lo + s), Int32(lo + Swift.max(e, s + 1))))
            pos += len
            i = Int(scratch.next[i])
        }
    }

    @inline(__always) private func charId(_ c: UInt32) -> Int32? {
        if c < 0x10000 {
            let id = bmpCharIds.withUnsafeBufferPointer { $0[Int(c)] }
            return id >= 0 ? id : nil
        }
        return charIds[c]
    }

    private func wholeWordId(_ chars: UnsafeBufferPointer<UInt32>, _ range: Range<Int>) -> Int32? {
        if range.count == 1 { return charId(chars[range.lowerBound]) }
        var s = String.UnicodeScalarView()
        for k in range { s.append(Unicode.Scalar(chars[k]) ?? "\u{FFFD}") }
        return tokenToId[String(s)]
    }
}

/// Reusable symbols and merge queue of one encoding, so that words allocate nothing.
struct BPEScratch {
    var c: [Int32] = []
    var len: [Int32] = []
    var prev: [Int32] = []
    var next: [Int32] = []
    var charOfByte: [Int32] = []
    /// A binary min-heap of (rank, position, merged id), ordered as HF's `Merge`.
    private var heap: [(rank: UInt32, pos: Int32, id: Int32)] = []

    mutating func reset() {
        c.removeAll(keepingCapacity: true); len.removeAll(keepingCapacity: true)
        prev.removeAll(keepingCapacity: true); next.removeAll(keepingCapacity: true)
    }

    mutating func add(_ id: Int32, _ byteLen: Int32) {
        let i = Int32(c.count)
        if i > 0 { next[Int(i) - 1] = i }
        c.append(id); len.append(byteLen); prev.append(i - 1); next.append(-1)
    }

    @inline(__always) private static func less(_ a: (rank: UInt32, pos: Int32, id: Int32), _ b: (rank: UInt32, pos: Int32, id: Int32)) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos
    }

    private mutating func push(_ m: (rank: UInt32, pos: Int32, id: Int32)) {
        heap.append(m)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard Self.less(heap[i], heap[p]) else { break }
            heap.swapAt(i, p); i = p
        }
    }

    private mutating func pop() -> (rank: UInt32, pos: Int32, id: Int32)? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var i = 0
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && Self.less(heap[l], heap[m]) { m = l }
            if r < n && Self.less(heap[r], heap[m]) { m = r }
            if m == i { break }
            heap.swapAt(i, m); i = m
        }
        return top
    }

    /// `Word::merge_all` without dropout; removed symbols are unlinked (their length set to 0).
    mutating func mergeAll(_ merges: MergeTable) {
        heap.removeAll(keepingCapacity: true)
        guard c.count > 1 else { return }
        for i in 0..<(c.count - 1) {
            if let m = merges.find(BPE.key(c[i], c[i + 1])) { push((m.rank, Int32(i), m.id)) }
        }
        while let top = pop() {
            let p = Int(top.pos)
            if len[p] == 0 || next[p] == -1 { continue }
            let q = Int(next[p])
            // An expired entry: the pair at p is no longer the one this merge was queued for.
            guard let m = merges.find(BPE.key(c[p], c[q])), m.id == top.id else { continue }
            c[p] = top.id
            len[p] += len[q]
            next[p] = next[q]
            len[q] = 0
            if next[q] >= 0 { prev[Int(next[q])] = Int32(p) }
            if prev[p] >= 0, let m = merges.find(BPE.key(c[Int(prev[p])], c[p])) { push((m.rank, prev[p], m.id)) }
            if next[p] >= 0, let m = merges.find(BPE.key(c[p], c[Int(next[p])])) { push((m.rank, Int32(p), m.id)) }
        }
    }
}

/// The merges as an open-addressing hash table (linear probing, multiplicative hash): the merge loop
/// looks up every adjacent pair, and `Dictionary`'s seeded SipHash was a quarter of encoding time.
struct MergeTable: Sendable {
    private var keys: [UInt64]
    private var values: [BPE.Merge]
    private let shift: UInt64
    private static let empty = UInt64.max  // no pair of valid ids packs to this

    init(_ merges: [UInt64: BPE.Merge]) {
        var bits: UInt64 = 4
        while (1 << bits) < merges.count * 2 { bits += 1 }
        let capacity = 1 << Int(bits)
        shift = 64 - bits
        keys = [UInt64](repeating: Self.empty, count: capacity)
        values = [BPE.Merge](repeating: BPE.Merge(rank: 0, id: -1), count: capacity)
        let mask = capacity - 1
        for (k, v) in merges {
            var i = Int((k &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while keys[i] != Self.empty { i = (i + 1) & mask }
            keys[i] = k; values[i] = v
        }
    }

    @inline(__always) func find(_ key: UInt64) -> BPE.Merge? {
        keys.withUnsafeBufferPointer { k in
            let mask = k.count - 1
            var i = Int((key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while true {
                let here = k[i]
                if here == key { return values[i] }
                if here == Self.empty { return nil }
                i = (i + 1) & mask
            }
        }
    }
}
