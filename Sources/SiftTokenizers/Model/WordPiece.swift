/// Hugging Face `WordPiece`: greedy longest-match-first over a vocabulary, with a continuation prefix
/// (`##`). A word with any unmatched remainder, or longer than `maxInputCharsPerWord`, becomes the
/// unknown token as a whole.
///
/// The vocabulary is held as a character trie (one open-addressing hash table of edges), so the
/// longest match from a position costs one probe per character instead of a string hash per
/// candidate length as a dictionary lookup would.
public struct WordPiece: Sendable {
    public let vocab: [String]
    public let unkId: Int32
    public let continuingSubwordPrefix: String
    public let maxInputCharsPerWord: Int
    let tokenToId: [String: Int32]

    private var edges: EdgeTable
    private var nodeToken: [Int32]      // token id ending at each trie node, or -1
    private let wordRoot: Int32         // words start here
    private let continuationRoot: Int32 // continuation pieces (after the prefix) start here

    public init(vocab: [String], unkToken: String, continuingSubwordPrefix: String = "##",
                maxInputCharsPerWord: Int = 100) throws(TokenizerError) {
        var map: [String: Int32] = [:]
        map.reserveCapacity(vocab.count)
        for (i, t) in vocab.enumerated() { map[t] = Int32(i) }  // a later duplicate wins, as in Hugging Face
        guard let unk = map[unkToken] else {
            throw .invalidConfiguration("the unknown token \(unkToken) is not in the vocabulary")
        }
        self.vocab = vocab
        self.tokenToId = map
        self.unkId = unk
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord

        var edges = EdgeTable(capacity: vocab.count * 8)
        var nodeToken: [Int32] = [-1, -1]
        let prefix = Array(continuingSubwordPrefix.unicodeScalars.map(\.value))
        func insert(_ scalars: ArraySlice<UInt32>, root: Int32, id: Int32) {
            var node = root
            for c in scalars {
                var next = edges.child(node, c)
                if next < 0 {
                    next = Int32(nodeToken.count)
                    nodeToken.append(-1)
                    edges.insert(node, c, next)
                }
                node = next
            }
            if nodeToken[Int(node)] < 0 { nodeToken[Int(node)] = id }
        }
        for (token, id) in map {
            let s = Array(token.unicodeScalars.map(\.value))
            insert(s[...], root: 0, id: id)
            if !prefix.isEmpty && s.count > prefix.count && Array(s[0..<prefix.count]) == prefix {
                insert(s[prefix.count...], root: 1, id: id)
            }
        }
        self.edges = edges
        self.nodeToken = nodeToken
        self.wordRoot = 0
        self.continuationRoot = 1
    }

    /// Appends the pieces of the word `chars[range]` as (id, start, end) with `start..<end` in `chars` indices.
    @inline(__always)
    func tokenize(_ chars: UnsafeBufferPointer<UInt32>, _ range: Range<Int>,
                  into pieces: inout [(id: Int32, start: Int32, end: Int32)]) {
        let before = pieces.count
        if range.count > maxInputCharsPerWord {
            pieces.append((unkId, Int32(range.lowerBound), Int32(range.upperBound)))
            return
        }
        var start = range.lowerBound
        while start < range.upperBound {
            var node = start == range.lowerBound ? wordRoot : continuationRoot
            var best: Int32 = -1
            var bestEnd = start
            var j = start
            while j < range.upperBound {
                node = edges.child(node, chars[j])
                if node < 0 { break }
                j += 1
                let t = nodeToken[Int(node)]
                if t >= 0 { best = t; bestEnd = j }
            }
            if best < 0 {
                pieces.removeSubrange(before...)
                pieces.append((unkId, Int32(range.lowerBound), Int32(range.upperBound)))
                return
            }
            pieces.append((best, Int32(start), Int32(bestEnd)))
            start = bestEnd
        }
    }
}

/// Open-addressing hash table of trie edges: (node, character) -> child node.
struct EdgeTable: Sendable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private var count = 0

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always) private static func key(_ node: Int32, _ c: UInt32) -> UInt64 {
        (UInt64(UInt32(bitPattern: node) &+ 1) << 32) | UInt64(c)  // never 0, which marks an empty slot
    }

    @inline(__always) private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    @inline(__always) func child(_ node: Int32, _ c: UInt32) -> Int32 {
        let k = Self.key(node, c)
        var i = Self.slot(k, mask)
        return keys.withUnsafeBufferPointer { keys in
            while true {
                let stored = keys[i]
                if stored == k { return values[i] }
                if stored == 0 { return -1 }
                i = (i + 1) & mask
            }
        }
    }

    mutating func insert(_ node: Int32, _ c: UInt32, _ child: Int32) {
        if (count + 1) * 2 > keys.count { grow() }
        let k = Self.key(node, c)
        var i = Self.slot(k, mask)
        while keys[i] != 0 && keys[i] != k { i = (i + 1) & mask }
        if keys[i] == 0 { count += 1 }
        keys[i] = k
        values[i] = child
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        values = [Int32](repeating: -1, count: oldKeys.count * 2)
        mask = keys.count - 1
        for (i, k) in oldKeys.enumerated() where k != 0 {
            var j = Self.slot(k, mask)
            while keys[j] != 0 { j = (j + 1) & mask }
            keys[j] = k
            values[j] = oldValues[i]
        }
    }
}
