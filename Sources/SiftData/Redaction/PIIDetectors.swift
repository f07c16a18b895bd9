#if canImport(Glibc)
import Glibc
#endif

/// The built-in kinds of personal data, with the placeholder each becomes.
public enum PIIKind: String, CaseIterable, Sendable, Codable {
    case email = "EMAIL"
    case iban = "IBAN"
    case cnID = "CN_ID"
    case card = "CARD"
    case ssn = "SSN"
    case phone = "PHONE"
    case ip = "IP"

    /// Accepts "card", "CARD", "cn_id", "cn-id", "phone"...
    public init?(name: String) {
        let n = name.uppercased().replacingOccurrences(of: "-", with: "_")
        guard let k = PIIKind(rawValue: n) else { return nil }
        self = k
    }
}

/// Hand-written scanners over UTF-8 bytes, one per kind. No regular expressions: every
/// pattern here is ASCII, a byte loop is an order of magnitude faster than a regex engine on
/// a server's hot path, and the checksums (Luhn, mod-97, ISO 7064) need code anyway.
///
/// Each detector returns byte ranges; `Redactor` resolves overlaps by kind priority.
enum PIIDetectors {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }

    /// True when position `i` is not glued to a preceding letter or digit (CJK text counts
    /// as a boundary, so `电话13812345678` still matches).
    @inline(__always) static func startsToken(_ s: Bytes, _ i: Int) -> Bool { i == 0 || !isAlnum(s[i - 1]) }
    @inline(__always) static func endsToken(_ s: Bytes, _ end: Int) -> Bool { end >= s.count || !isAlnum(s[end]) }
    /// Not followed by a separator and another digit (the match would be part of a longer number).
    @inline(__always) static func notContinued(_ s: Bytes, _ end: Int) -> Bool {
        guard endsToken(s, end) else { return false }
        if end + 1 < s.count, (s[end] == 0x2D || s[end] == 0x2E), isDigit(s[end + 1]) { return false }
        return true
    }

    // MARK: E-mail

    static func emails(_ s: Bytes) -> [Range<Int>] {
        var out: [Range<Int>] = []
        func isLocal(_ b: UInt8) -> Bool { isAlnum(b) || b == 0x2E || b == 0x5F || b == 0x25 || b == 0x2B || b == 0x2D }
        func isDomain(_ b: UInt8) -> Bool { isAlnum(b) || b == 0x2E || b == 0x2D }
        var i = 0
        while i < s.count {
            guard s[i] == 0x40 else { i += 1; continue }   // '@'
            var l = i
            while l > 0, isLocal(s[l - 1]) { l -= 1 }
            while l < i, s[l] == 0x2E { l += 1 }            // a local part cannot start with '.'
            var r = i + 1
            while r < s.count, isDomain(s[r]) { r += 1 }
            while r > i + 1, s[r - 1] == 0x2E || s[r - 1] == 0x2D { r -= 1 }
            if l < i, r > i + 1 {
                // The domain needs a dot and a letters-only top-level label of 2+ letters.
                var lastDot = -1
                for j in (i + 1)..<r where s[j] == 0x2E { lastDot = j }
                if lastDot > i + 1, r - lastDot - 1 >= 2, (lastDot + 1..<r).allSatisfy({ isLetter(s[$0]) }),
                   s[i + 1] != 0x2E, !(i + 1..<r).contains(where: { s[$0] == 0x2E && s[$0 + 1] == 0x2E }) {
                    out.append(l..<r)
                    i = r
                    continue
                }
            }
            i += 1
        }
        return out
    }

    // MARK: Digit groups

    /// Reads digits starting at `i`, allowing a single separator from `seps` between groups.
    /// Returns the digits and the byte end of each group.
    static func digitGroups(_ s: Bytes, from i: Int, separators seps: [UInt8], maxDigits: Int) -> (digits: [UInt8], groupEnds: [(end: Int, digits: Int, length: Int)], separator: UInt8?) {
        var digits: [UInt8] = []
        var groups: [(end: Int, digits: Int, length: Int)] = []
        var j = i
        var sep: UInt8? = nil
        while j < s.count, digits.count <= maxDigits {
            let groupStart = digits.count
            while j < s.count, isDigit(s[j]) { digits.append(s[j]); j += 1 }
            if digits.count == groupStart { break }
            groups.append((j, digits.count, digits.count - groupStart))
            // A separator continues the number only when the same one is used throughout.
            guard j + 1 < s.count, seps.contains(s[j]), isDigit(s[j + 1]), sep == nil || sep == s[j] else { break }
            sep = s[j]
            j += 1
        }
        return (digits, groups, sep)
    }

    static func luhnValid(_ d: ArraySlice<UInt8>) -> Bool {
        var sum = 0
        for (n, b) in d.reversed().enumerated() {
            var v = Int(b - 0x30)
            if n % 2 == 1 { v *= 2; if v > 9 { v -= 9 } }
            sum += v
        }
        return sum % 10 == 0
    }

    /// Payment cards: 13–19 digits, contiguous or in groups (first group of 4, others of
    /// 3–6, one separator kind), passing the Luhn check. Longest valid prefix wins, so an
    /// expiry date after the number does not hide it.
    static func cards(_ s: Bytes) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < s.count {
            guard isDigit(s[i]), startsToken(s, i), i == 0 || s[i - 1] != 0x2B else { i += 1; continue }
            let g = digitGroups(s, from: i, separators: [0x20, 0x2D], maxDigits: 19)
            var matched = false
            if g.groupEnds.count == 1 {
                let n = g.digits.count
                if n >= 13, n <= 19, endsToken(s, g.groupEnds[0].end), luhnValid(g.digits[...]) {
                    out.append(i..<g.groupEnds[0].end); i = g.groupEnds[0].end; matched = true
                }
            } else if g.groupEnds.first?.length == 4 {
                for k in stride(from: g.groupEnds.count - 1, through: 1, by: -1) {
                    let ge = g.groupEnds[k]
                    guard ge.digits >= 13, ge.digits <= 19 else { continue }
                    guard g.groupEnds[1...k].allSatisfy({ $0.length >= 3 && $0.length <= 6 }) else { continue }
                    if luhnValid(g.digits[0..<ge.digits]) { out.append(i..<ge.end); i = ge.end; matched = true; break }
                }
            }
            if !matched { i += 1; while i < s.count, isAlnum(s[i]) { i += 1 } }
        }
        return out
    }

    /// Chinese resident ID: 17 digits and a check character (digit or X), ISO 7064 MOD 11-2,
    /// with a plausible birth date in positions 7–14.
    static func chineseIDs(_ s: Bytes) -> [Range<Int>] {
        var out: [Range<Int>] = []
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let checks = Array("10X98765432".utf8)
        var i = 0
        while i + 18 <= s.count {
            guard isDigit(s[i]), startsToken(s, i) else { i += 1; continue }
            var ok = true
            var sum = 0
            for k in 0..<17 { guard isDigit(s[i + k]) else { ok = false; break }; sum += Int(s[i + k] - 0x30) * weights[k] }
            let last = s[i + 17] == 0x78 ? 0x58 : s[i + 17]
            if ok, endsToken(s, i + 18), last == checks[sum % 11] {
                func num(_ a: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 * 10 + Int(s[i + a + $1] - 0x30) } }
                let year = num(6, 4), month = num(10, 2), day = num(12, 2)
                if year >= 1900, year <= 2100, month >= 1, month <= 12, day >= 1, day <= 31 {
                    out.append(i..<(i + 18)); i += 18; continue
                }
            }
            i += 1
            while i < s.count, isAlnum(s[i]) { i += 1 }
        }
        return out
    }

    /// US SSNs written AAA-GG-SSSS (or with spaces). Area 000, 666 and 900–999, group 00 and
    /// serial 0000 are never issued, so they are not matched. Bare nine-digit runs are not
    /// matched either: too many other numbers look like them.
    static func ssns(_ s: Bytes) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i + 11 <= s.count {
            guard isDigit(s[i]), startsToken(s, i) else { i += 1; continue }
            let g = digitGroups(s, from: i, separators: [0x2D, 0x20], maxDigits: 9)
            if g.groupEnds.count == 3, g.groupEnds.map(\.length) == [3, 2, 4], let end = g.groupEnds.last?.end, notContinued(s, end) {
                let d = g.digits.map { Int($0 - 0x30) }
                let area = d[0] * 100 + d[1] * 10 + d[2], group = d[3] * 10 + d[4], serial = d[5...8].reduce(0) { $0 * 10 + $1 }
                if area != 0, area != 666, area < 900, group != 0, serial != 0 { out.append(i..<end); i = end; continue }
            }
            i += 1
            while i < s.count, isDigit(s[i]) { i += 1 }
        }
        return out
    }

    // MARK: Phones

    /// Chinese mobiles (1[3-9] + 9 digits, optionally +86/0086/86 and 3-4-4 grouping),
    /// international numbers written with a leading + (8–15 digits, E.164), North American
    /// (NXX) NXX-XXXX / NXX-NXX-XXXX, and Chinese landlines 0AA(A)-XXXXXXX(X).
    static func phones(_ s: Bytes) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < s.count {
            let b = s[i]
            guard (isDigit(b) || b == 0x2B || b == 0x28), startsToken(s, i) else { i += 1; continue }
            if let end = chineseMobile(s, i) ?? international(s, i) ?? northAmerican(s, i) ?? chineseLandline(s, i) {
                out.append(i..<end); i = end; continue
            }
            i += 1
            while i < s.count, isAlnum(s[i]) { i += 1 }
        }
        return out
    }

    static func chineseMobile(_ s: Bytes, _ start: Int) -> Int? {
        var i = start
        // Country prefix: +86, 0086 or 86, then an optional space or dash.
        if s[i] == 0x2B, i + 3 < s.count, s[i + 1] == 0x38, s[i + 2] == 0x36 { i += 3 }
        else if i + 4 < s.count, s[i] == 0x30, s[i + 1] == 0x30, s[i + 2] == 0x38, s[i + 3] == 0x36 { i += 4 }
        else if i + 13 <= s.count, s[i] == 0x38, s[i + 1] == 0x36, s[i + 2] == 0x31 || s[i + 2] == 0x20 || s[i + 2] == 0x2D { i += 2 }
        if i != start, i < s.count, s[i] == 0x20 || s[i] == 0x2D { i += 1 }
        guard i + 11 <= s.count, s[i] == 0x31, s[i + 1] >= 0x33, s[i + 1] <= 0x39 else { return nil }
        let g = digitGroups(s, from: i, separators: [0x20, 0x2D], maxDigits: 11)
        let lengths = g.groupEnds.map(\.length)
        let end: Int
        if lengths.first == 11 { end = g.groupEnds[0].end }
        else if lengths.count >= 3, Array(lengths.prefix(3)) == [3, 4, 4] { end = g.groupEnds[2].end }
        else { return nil }
        return notContinued(s, end) ? end : nil
    }

    static func international(_ s: Bytes, _ start: Int) -> Int? {
        guard s[start] == 0x2B, start + 1 < s.count, isDigit(s[start + 1]) else { return nil }
        var i = start + 1
        var digits = 0
        var end = i
        while i < s.count {
            if s[i] == 0x28 {   // (0)20 or (20): an area code in parentheses
                var j = i + 1
                var n = 0
                while j < s.count, isDigit(s[j]) { j += 1; n += 1 }
                guard n >= 1, n <= 4, j < s.count, s[j] == 0x29 else { break }
                digits += n; i = j + 1; end = i
                if i < s.count, s[i] == 0x20 || s[i] == 0x2D || s[i] == 0x2E, i + 1 < s.count, isDigit(s[i + 1]) { i += 1 }
                continue
            }
            guard isDigit(s[i]) else { break }
            while i < s.count, isDigit(s[i]) { i += 1; digits += 1 }
            end = i
            // Writers mix separators ("+1 (415) 555-2671"), so any single one continues the number.
            guard i + 1 < s.count, [0x20, 0x2D, 0x2E].contains(s[i]), isDigit(s[i + 1]) || s[i + 1] == 0x28 else { break }
            i += 1
        }
        guard digits >= 8, digits <= 15, endsToken(s, end) else { return nil }
        return end
    }

    static func northAmerican(_ s: Bytes, _ start: Int) -> Int? {
        var i = start
        func digits(_ n: Int) -> Bool {
            guard i + n <= s.count else { return false }
            for k in 0..<n where !isDigit(s[i + k]) { return false }
            i += n
            return true
        }
        if s[i] == 0x28 {   // (NXX) NXX-XXXX
            i += 1
            guard i < s.count, s[i] >= 0x32, digits(3), i < s.count, s[i] == 0x29 else { return nil }
            i += 1
            if i < s.count, s[i] == 0x20 { i += 1 }
            guard i < s.count, s[i] >= 0x32, digits(3), i < s.count, s[i] == 0x2D || s[i] == 0x2E else { return nil }
            i += 1
            guard digits(4), notContinued(s, i) else { return nil }
            return i
        }
        guard s[i] >= 0x32, digits(3), i < s.count else { return nil }
        let sep = s[i]
        guard sep == 0x2D || sep == 0x2E else { return nil }
        i += 1
        guard i < s.count, s[i] >= 0x32, digits(3), i < s.count, s[i] == sep else { return nil }
        i += 1
        guard digits(4), notContinued(s, i) else { return nil }
        return i
    }

    static func chineseLandline(_ s: Bytes, _ start: Int) -> Int? {
        guard s[start] == 0x30 else { return nil }
        let g = digitGroups(s, from: start, separators: [0x2D], maxDigits: 12)
        guard g.groupEnds.count == 2, (3...4).contains(g.groupEnds[0].length), (7...8).contains(g.groupEnds[1].length),
              notContinued(s, g.groupEnds[1].end) else { return nil }
        return g.groupEnds[1].end
    }

    // MARK: IBAN

    /// Lengths by country for the common IBAN countries; others accept 15–34 characters.
    static let ibanLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
        "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "ES": 24, "FI": 18,
        "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
        "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20,
        "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
        "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24,
        "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
    ]

    static func ibanChecksumValid(_ chars: [UInt8]) -> Bool {
        // Move the first four characters to the end, letters become 10..35, the number mod 97 must be 1.
        var rem = 0
        for c in chars[4...] + chars[..<4] {
            if isDigit(c) { rem = (rem * 10 + Int(c - 0x30)) % 97 }
            else { rem = (rem * 100 + Int((c | 0x20) - 0x61 + 10)) % 97 }
        }
        return rem == 1
    }

    static func ibans(_ s: Bytes) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i + 15 <= s.count {
            guard isUpper(s[i]), isUpper(s[i + 1]), isDigit(s[i + 2]), isDigit(s[i + 3]), startsToken(s, i) else { i += 1; continue }
            // Greedy read of alphanumerics, allowing single spaces between groups.
            var chars: [UInt8] = []
            var boundaries: [(end: Int, count: Int)] = []
            var j = i
            while j < s.count, chars.count <= 34 {
                let groupStart = chars.count
                while j < s.count, isAlnum(s[j]), chars.count <= 34 { chars.append(s[j]); j += 1 }
                if chars.count == groupStart { break }
                boundaries.append((j, chars.count))
                guard j + 1 < s.count, s[j] == 0x20, isAlnum(s[j + 1]) else { break }
                j += 1
            }
            let country = String(decoding: chars.prefix(2), as: UTF8.self)
            var matched = false
            for bnd in boundaries.reversed() where endsToken(s, bnd.end) {
                let n = bnd.count
                let lengthOK = ibanLengths[country].map { $0 == n } ?? (n >= 15 && n <= 34)
                if lengthOK, ibanChecksumValid(Array(chars[0..<n])) { out.append(i..<bnd.end); i = bnd.end; matched = true; break }
            }
            if !matched { i += 1 }
        }
        return out
    }

    // MARK: IP addresses

    static func ips(_ s: Bytes) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < s.count {
            guard isHex(s[i]) || s[i] == 0x3A, i == 0 || !(isAlnum(s[i - 1]) || s[i - 1] == 0x2E || s[i - 1] == 0x3A) else { i += 1; continue }
            if isDigit(s[i]), let end = ipv4(s, i) { out.append(i..<end); i = end; continue }
            if let end = ipv6(s, i) { out.append(i..<end); i = end; continue }
            i += 1
            while i < s.count, isAlnum(s[i]) { i += 1 }
        }
        return out
    }

    static func ipv4(_ s: Bytes, _ start: Int) -> Int? {
        var i = start
        for part in 0..<4 {
            let b = i
            var v = 0
            while i < s.count, isDigit(s[i]), i - b < 3 { v = v * 10 + Int(s[i] - 0x30); i += 1 }
            let n = i - b
            guard n >= 1, v <= 255, !(n > 1 && s[b] == 0x30) else { return nil }
            if part < 3 {
                guard i < s.count, s[i] == 0x2E else { return nil }
                i += 1
            }
        }
        // Not part of a longer dotted number (a version string like 1.2.3.4.5) or a word.
        guard endsToken(s, i), !(i + 1 < s.count && s[i] == 0x2E && isDigit(s[i + 1])) else { return nil }
        return i
    }

    static func ipv6(_ s: Bytes, _ start: Int) -> Int? {
        var end = start
        var colons = 0
        while end < s.count, isHex(s[end]) || s[end] == 0x3A || s[end] == 0x2E {
            if s[end] == 0x3A { colons += 1 }
            end += 1
        }
        guard colons >= 2 else { return nil }
        // Trailing punctuation of the sentence is not part of the address.
        while end > start, s[end - 1] == 0x2E || (s[end - 1] == 0x3A && !(end - 2 >= start && s[end - 2] == 0x3A)) { end -= 1 }
        guard endsToken(s, end), end - start >= 3 else { return nil }
        var cstr = Array(s[start..<end]) + [0]
        var addr = in6_addr()
        let ok = cstr.withUnsafeMutableBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { inet_pton(AF_INET6, $0, &addr) }
        }
        guard ok == 1 else { return nil }
        // Require at least two hex groups: "a::" and "::" alone are too often not addresses.
        let groups = s[start..<end].split(separator: 0x3A).count
        return groups >= 2 ? end : nil
    }
}
