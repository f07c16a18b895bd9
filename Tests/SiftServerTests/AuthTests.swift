import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import SiftTestSupport
import Testing
@testable import SiftServer

@Suite struct AuthTests {
    static let twoModels: [String: FakeModel] = ["retail": FakeModel(), "finance": FakeModel(name: "finance")]

    @Test func apiKeysFromEnvironmentScopeModels() async throws {
        let app = try await makeApp(models: Self.twoModels,
                                    environment: ["SIFT_TEST_KEYS": "shop:s3cret-shop:retail;ops:s3cret-ops"])
        try await app.app.test(.router) { client async throws in
            let body = json(#"{"texts":"refund"}"#)
            // /health stays open; everything else needs a credential.
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            let none = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: body)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] != nil)
            #expect(try await client.execute(uri: "/ready", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            let wrong = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: bearer("s3cret-shoq"), body: body)
            #expect(wrong.status == .unauthorized)
            let ok = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: bearer("s3cret-shop"), body: body)
            #expect(ok.status == .ok)
            let viaHeader = try await client.execute(uri: "/v1/models/retail/classify", method: .post,
                                                     headers: [.contentType: "application/json", .init("X-API-Key")!: "s3cret-shop"], body: body)
            #expect(viaHeader.status == .ok)
            // Scoped to retail: finance is forbidden and not listed.
            let forbidden = try await client.execute(uri: "/v1/models/finance/classify", method: .post, headers: bearer("s3cret-shop"), body: body)
            #expect(forbidden.status == .forbidden)
            let list = try await client.execute(uri: "/v1/models", method: .get, headers: bearer("s3cret-shop"))
            #expect((object(list)?["models"] as? [[String: Any]])?.map { $0["name"] as? String } == ["retail"])
            // Unscoped key: every model.
            let ops = try await client.execute(uri: "/v1/models/finance/classify", method: .post, headers: bearer("s3cret-ops"), body: body)
            #expect(ops.status == .ok)
        }
    }

    @Test func apiKeysFileHoldsOnlyDigests() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("keys.yaml")
        try """
        keys:
          - id: shop
            sha256: \(APIKeyStore.hexDigest("k-123"))
            models: [retail]
        """.write(to: file, atomically: true, encoding: .utf8)
        let store = try APIKeyStore.load(file: file.path)
        #expect(store.authenticate("k-123")?.id == "shop")
        #expect(store.authenticate("k-124") == nil)
        #expect(store.authenticate("") == nil)
        // sha256 of "abc", a published test vector.
        #expect(APIKeyStore.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")

        try "keys:\n  - id: bad\n    sha256: xyz\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try APIKeyStore.load(file: file.path) }
        do { _ = try APIKeyStore.load(file: file.path) } catch { #expect("\(error)".contains("keys[0]")) }
    }

    @Test func jwtHS256AndRS256WithModelsClaim() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-jwt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let secretFile = dir.appendingPathComponent("hs.secret")
        try "a-long-enough-test-secret-for-hs256\n".write(to: secretFile, atomically: true, encoding: .utf8)
        let app = try await makeApp(models: Self.twoModels, configure: {
            var j = ServerConfig.JWT()
            j.hs256SecretFile = secretFile.path
            j.rs256PublicKeyFile = TestPaths.fixture("server/rs256-public.pem").path
            $0.auth.jwt = j
        })
        let hs = await JWTKeyCollection().add(hmac: HMACKey(from: "a-long-enough-test-secret-for-hs256"), digestAlgorithm: .sha256)
        let privatePEM = try String(contentsOf: TestPaths.fixture("server/rs256-private.pem"), encoding: .utf8)
        let rs = await JWTKeyCollection().add(rsa: try Insecure.RSA.PrivateKey(pem: privatePEM), digestAlgorithm: .sha256)
        let future = Date().addingTimeInterval(600)
        let hsRetail = try await hs.sign(SiftClaims(sub: "alice", exp: future, models: ["retail"]))
        let rsAll = try await rs.sign(SiftClaims(sub: "bob", exp: future, models: nil))
        let expired = try await hs.sign(SiftClaims(sub: "carol", exp: Date().addingTimeInterval(-60), models: nil))
        let wrongSecret = try await JWTKeyCollection().add(hmac: HMACKey(from: "another-secret-entirely-0000000000"), digestAlgorithm: .sha256)
            .sign(SiftClaims(sub: "mallory", exp: future, models: nil))
        // Algorithm confusion: an HS256 token "signed" with the RSA public key as the HMAC secret.
        let publicPEM = try String(contentsOf: TestPaths.fixture("server/rs256-public.pem"), encoding: .utf8)
        let confused = try await JWTKeyCollection().add(hmac: HMACKey(from: publicPEM), digestAlgorithm: .sha256)
            .sign(SiftClaims(sub: "mallory", exp: future, models: nil))

        try await app.app.test(.router) { client async throws in
            func call(_ model: String, _ token: String) async -> HTTPResponse.Status {
                (try? await client.execute(uri: "/v1/models/\(model)/classify", method: .post, headers: bearer(token), body: json(#"{"texts":"x"}"#)).status) ?? .internalServerError
            }
            #expect(try await call("retail", hsRetail) == .ok)
            #expect(try await call("finance", hsRetail) == .forbidden)
            #expect(try await call("finance", rsAll) == .ok)
            #expect(try await call("retail", expired) == .unauthorized)
            #expect(try await call("retail", wrongSecret) == .unauthorized)
            #expect(try await call("retail", confused) == .unauthorized)
            #expect(try await call("retail", "not.a.jwt") == .unauthorized)
        }
    }

    @Test func rateLimitAnswers429WithRetryAfter() async throws {
        // A refill of one token per 1,000 s: the third call is limited however slowly a loaded
        // machine runs the test (at 0.5/s it flaked under a parallel build).
        let app = try await makeApp(configure: { $0.auth.rateLimit = .init(requestsPerSecond: 0.001, burst: 2) },
                                    environment: ["SIFT_TEST_KEYS": "a:key-a;b:key-b"])
        try await app.app.test(.router) { client async throws in
            func call(_ key: String) async throws -> TestResponse {
                try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: bearer(key), body: json(#"{"texts":"x"}"#))
            }
            #expect(try await call("key-a").status == .ok)
            #expect(try await call("key-a").status == .ok)
            let limited = try await call("key-a")
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(errorOf(limited)?["code"] as? String == "rate_limited")
            // Buckets are per key.
            #expect(try await call("key-b").status == .ok)
        }
    }

    @Test func tokenBucketRefills() {
        let limiter = RateLimiter(rate: 10, burst: 2)
        let t0 = ContinuousClock.now
        #expect(limiter.take("k", now: t0) == nil)
        #expect(limiter.take("k", now: t0) == nil)
        let wait = limiter.take("k", now: t0) ?? 0
        #expect(abs(wait - 0.1) < 1e-9)
        #expect(limiter.take("k", now: t0 + .milliseconds(100)) == nil)
        #expect(limiter.take("k", now: t0 + .milliseconds(100)) != nil)
    }

    @Test func noKeysMeansOpenAccess() async throws {
        let app = try await makeApp()
        try await app.app.test(.router) { client async throws in
            #expect(try await client.execute(uri: "/ready", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v1/models", method: .get).status == .ok)
        }
    }
}
