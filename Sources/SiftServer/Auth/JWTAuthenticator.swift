import Foundation
import JWTKit

/// The claims Sift reads from a bearer token: who (`sub`), until when (`exp`), and which models.
public struct SiftClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var exp: ExpirationClaim
    /// Model names the token grants; absent or containing "*" means all.
    public var models: [String]?

    public init(sub: String, exp: Date, models: [String]?) {
        self.sub = SubjectClaim(value: sub)
        self.exp = ExpirationClaim(value: exp)
        self.models = models
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Verifies HS256 and RS256 bearer tokens. Each algorithm has its own key collection and a
/// token is checked only against the collection its header names, so an RS256 public key can
/// never be abused as an HMAC secret (the classic algorithm-confusion attack).
public struct JWTAuthenticator: Sendable {
    let hs256: JWTKeyCollection?
    let rs256: JWTKeyCollection?

    public init(hs256Secret: String?, rs256PublicKeyPEM: String?) async throws {
        if let secret = hs256Secret {
            hs256 = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        } else {
            hs256 = nil
        }
        if let pem = rs256PublicKeyPEM {
            let key: Insecure.RSA.PublicKey
            do { key = try Insecure.RSA.PublicKey(pem: pem) } catch {
                throw ConfigError("RS256 public key: not a PEM RSA public key")
            }
            rs256 = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256)
        } else {
            rs256 = nil
        }
    }

    public static func load(_ config: ServerConfig.JWT) async throws -> JWTAuthenticator {
        func read(_ path: String) throws -> String {
            do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ConfigError("\(path): cannot read JWT key file")
            }
        }
        let secret = try config.hs256SecretFile.map { try read($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        let pem = try config.rs256PublicKeyFile.map(read)
        return try await JWTAuthenticator(hs256Secret: secret, rs256PublicKeyPEM: pem)
    }

    /// The principal a valid token names, or nil.
    public func authenticate(_ token: String) async -> Principal? {
        guard let alg = Self.algorithm(of: token) else { return nil }
        let keys: JWTKeyCollection?
        switch alg {
        case "HS256": keys = hs256
        case "RS256": keys = rs256
        default: keys = nil
        }
        guard let keys, let claims = try? await keys.verify(token, as: SiftClaims.self) else { return nil }
        return Principal(id: "jwt:" + claims.sub.value, kind: .jwt, models: claims.models.map(Set.init))
    }

    /// Reads `alg` from the token's header without trusting anything else in it.
    static func algorithm(of token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var b64 = parts[0].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return obj["alg"] as? String
    }
}
