import Crypto

/// HMAC-SHA256 and SHA-256 from swift-crypto, over byte arrays: the keyed hash of `Redactor`'s
/// `[KIND:hash]` tokens. Checked against the FIPS 180-4 and RFC 4231 vectors in RedactorTests.
enum HMACSHA256 {
    static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<Crypto.SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }
}

/// SHA-256 digests as byte arrays (SiftData's own name; other targets use swift-crypto's).
enum SHA256 {
    static func hash(_ message: [UInt8]) -> [UInt8] { Array(Crypto.SHA256.hash(data: message)) }
}

extension Array where Element == UInt8 {
    /// Lowercase hex, two digits a byte.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
