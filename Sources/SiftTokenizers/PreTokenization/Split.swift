/// Hugging Face `Split`: cuts each word at the matches of a literal or a regular expression (the
/// Replace normalizer's `CompiledRegex`), keeping the matches as the behaviour says; `invert`
/// swaps matches and the text between them.
public struct Split: Sendable, Equatable {
    public enum Behavior: String, Sendable, Equatable {
        case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
        case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"
    }
    public var pattern: ReplacePattern
    public var behavior: Behavior
    public var invert: Bool

    public init(pattern: ReplacePattern, behavior: Behavior, invert: Bool = false) {
        self.pattern = pattern; self.behavior = behavior; self.invert = invert
    }

    func split(_ chars: [UInt32], words: inout [Range<Int>], scratch: inout PreTokenizerScratch) {
        var out = scratch.takeRanges()
        chars.withUnsafeBufferPointer { c in
            for w in words where !w.isEmpty {
                // `find_matches`: the word covered by matches and the gaps between them.
                var parts: [(Range<Int>, Bool)] = []
                var prev = w.lowerBound
                for m in pattern.matches(c, w) {
                    if m.lowerBound > prev { parts.append((prev..<m.lowerBound, invert)) }
                    parts.append((m, !invert))
                    prev = m.upperBound
                }
                if prev < w.upperBound { parts.append((prev..<w.upperBound, invert)) }
                // `NormalizedString::split` with the behaviour.
                var pieces: [Range<Int>] = []
                switch behavior {
                case .isolated:
                    pieces = parts.map(\.0)
                case .removed:
                    pieces = parts.filter { !$0.1 }.map(\.0)
                case .contiguous, .mergedWithPrevious:
                    var previous = false
                    for (r, isMatch) in parts {
                        let join = behavior == .contiguous ? isMatch == previous : isMatch && !previous
                        if join, let last = pieces.last { pieces[pieces.count - 1] = last.lowerBound..<r.upperBound } else { pieces.append(r) }
                        previous = isMatch
                    }
                case .mergedWithNext:
                    var previous = false
                    for (r, isMatch) in parts.reversed() {
                        if isMatch && !previous, let last = pieces.last { pieces[pieces.count - 1] = r.lowerBound..<last.upperBound } else { pieces.append(r) }
                        previous = isMatch
                    }
                    pieces.reverse()
                }
                out.append(contentsOf: pieces.filter { !$0.isEmpty })
            }
        }
        scratch.give(&words, out)
    }
}
