import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The text encodings Sift reads. Detection (when the user gives none) is deliberately simple:
/// a UTF-8 byte-order mark, otherwise UTF-8; bytes that are not UTF-8 stop the read with an
/// error that names the line and suggests `--encoding latin-1` or `gb18030`, because silently
/// guessing between single-byte encodings corrupts text without anyone noticing.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case utf8BOM = "utf-8-bom"
    case latin1 = "latin-1"
    case gb18030 = "gb18030"

    /// Accepts the usual spellings: utf8, UTF-8, utf-8-sig, latin1, iso-8859-1, gbk (read as its superset gb18030).
    public init?(name: String) {
        let n = name.lowercased().replacingOccurrences(of: "_", with: "-")
        switch n {
        case "utf-8", "utf8": self = .utf8
        case "utf-8-bom", "utf-8-sig", "utf8-bom", "utf8-sig": self = .utf8BOM
        case "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1": self = .latin1
        case "gb18030", "gb-18030", "gbk", "gb2312": self = .gb18030
        default: return nil
        }
    }
}

/// Turns the bytes of one line into a String in a given encoding. One per reader: the GB18030
/// path holds an iconv descriptor (glibc's converter), which is not thread-safe.
final class LineDecoder {
    let encoding: TextEncoding
    let lossy: Bool
    private var iconvHandle: iconv_t?

    init(encoding: TextEncoding, lossy: Bool, file: String) throws {
        self.encoding = encoding
        self.lossy = lossy
        if encoding == .gb18030 {
            let h = iconv_open("UTF-8", "GB18030")
            if h == iconv_t(bitPattern: -1) { throw DataError.unsupportedEncoding(file: file, name: "gb18030 (glibc iconv module missing)") }
            iconvHandle = h
        }
    }

    deinit { if let h = iconvHandle { iconv_close(h) } }

    /// Decodes `bytes`; `location` is used for the error when the bytes are invalid.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, location: () -> SourceLocation) throws -> String {
        switch encoding {
        case .utf8, .utf8BOM:
            // One pass: the standard library's validation has its own ASCII fast path.
            if let s = String(validating: bytes, as: UTF8.self) { return s }
            if lossy { return String(decoding: bytes, as: UTF8.self) }
            var loc = location()
            let bad = Self.firstInvalidUTF8(bytes)
            // Text and JSON lines: the character position. CSV fields keep their column number.
            if loc.column == nil { loc.column = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<bad]), as: UTF8.self).count + 1 }
            throw DataError.invalidEncoding(loc, encoding: "UTF-8", suggestion: Self.suggestion(for: bytes))
        case .latin1:
            // ASCII is the same in Latin-1 and UTF-8.
            if Self.isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
            var scalars = String.UnicodeScalarView()
            scalars.reserveCapacity(bytes.count)
            for b in bytes { scalars.append(Unicode.Scalar(b)) }
            return String(scalars)
        case .gb18030:
            if Self.isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
            return try decodeGB18030(bytes, location: location)
        }
    }

    private func decodeGB18030(_ bytes: UnsafeBufferPointer<UInt8>, location: () -> SourceLocation) throws -> String {
        guard let h = iconvHandle else { return String(decoding: bytes, as: UTF8.self) }
        var out = [UInt8](repeating: 0, count: bytes.count * 2 + 16)   // each GB18030 unit becomes at most 2x in UTF-8
        var result = [UInt8]()
        result.reserveCapacity(bytes.count * 2)
        var offset = 0
        _ = iconv(h, nil, nil, nil, nil)   // reset shift state
        while offset < bytes.count {
            var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: bytes.baseAddress! + offset).assumingMemoryBound(to: CChar.self)
            var inLeft = bytes.count - offset
            let produced: Int = out.withUnsafeMutableBytes { raw in
                var outPtr: UnsafeMutablePointer<CChar>? = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
                var outLeft = raw.count
                _ = iconv(h, &inPtr, &inLeft, &outPtr, &outLeft)
                return raw.count - outLeft
            }
            result.append(contentsOf: out[0..<produced])
            let consumed = (bytes.count - offset) - inLeft
            offset += consumed
            if inLeft > 0 {
                // EILSEQ or EINVAL (truncated sequence at end of line): invalid input.
                if !lossy {
                    var loc = location()
                    if loc.column == nil { loc.column = String(decoding: result, as: UTF8.self).count + 1 }
                    throw DataError.invalidEncoding(loc, encoding: "GB18030", suggestion: "Check the file's encoding, or pass --lossy to replace bad bytes with U+FFFD.")
                }
                result.append(contentsOf: [0xEF, 0xBF, 0xBD])
                offset += 1
                _ = iconv(h, nil, nil, nil, nil)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var acc: UInt8 = 0
        for b in bytes { acc |= b }
        return acc < 0x80
    }

    /// Byte offset of the first byte that is not part of a valid UTF-8 sequence.
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            let len: Int
            if b < 0x80 { i += 1; continue }
            else if b >= 0xC2 && b <= 0xDF { len = 2 }
            else if b >= 0xE0 && b <= 0xEF { len = 3 }
            else if b >= 0xF0 && b <= 0xF4 { len = 4 }
            else { return i }
            if i + len > n { return i }
            for k in 1..<len where bytes[i + k] & 0xC0 != 0x80 { return i }
            // Overlong, surrogate and out-of-range forms.
            if len == 3 {
                if b == 0xE0 && bytes[i + 1] < 0xA0 { return i }
                if b == 0xED && bytes[i + 1] > 0x9F { return i }
            }
            if len == 4 {
                if b == 0xF0 && bytes[i + 1] < 0x90 { return i }
                if b == 0xF4 && bytes[i + 1] > 0x8F { return i }
            }
            i += len
        }
        return n
    }

    /// A hint for a line that is not UTF-8: pairs of high bytes look like GB18030/GBK
    /// (Chinese), isolated high bytes like Latin-1 (Western European).
    static func suggestion(for bytes: UnsafeBufferPointer<UInt8>) -> String {
        var high = 0, pairs = 0, i = 0
        while i < bytes.count {
            if bytes[i] >= 0x81 {
                high += 1
                if i + 1 < bytes.count, bytes[i + 1] >= 0x40, bytes[i + 1] != 0x7F { pairs += 1; i += 2; continue }
            }
            i += 1
        }
        let guess = (high >= 4 && pairs * 2 >= high) ? "--encoding gb18030" : "--encoding latin-1"
        return "Pass \(guess) if that is the file's encoding (or --lossy to replace bad bytes with U+FFFD)."
    }
}
