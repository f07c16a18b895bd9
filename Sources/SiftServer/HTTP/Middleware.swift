import Foundation
import Hummingbird
import Logging

/// Outermost middleware: gives each request an id, turns every error into the JSON error shape,
/// and records the request's count, duration and status (metrics + one JSON access-log line).
struct ObservationMiddleware: RouterMiddleware {
    typealias Context = SiftRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let start = ContinuousClock.now
        context.requestID = Self.requestID(from: request)
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            if error.status == .internalServerError {  // 503s are back-pressure, not faults
                context.logger.error("request failed", metadata: ["code": .string(error.code.name), "error": .string(error.message)])
            }
            response = error.response(requestID: context.requestID)
        } catch let error as HTTPError {
            // The framework's own errors (404 for unknown paths, 400 for bad parameters) in our JSON shape.
            let code: APIErrorCode = switch error.status {
            case .notFound: .notFound
            case .contentTooLarge: .limitExceeded(.maxBodyBytes)
            case _ where error.status.kind == .clientError: .badRequest
            default: .internalError
            }
            response = APIError(code, error.body ?? error.status.reasonPhrase, headers: error.headers).response(requestID: context.requestID)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": .string("\(error)")])
            response = APIError(.internalError, "internal error").response(requestID: context.requestID)
        }
        response.headers[.init("X-Request-ID")!] = context.requestID
        let seconds = (ContinuousClock.now - start).seconds
        // Route templates (not raw paths) label the metrics, so cardinality stays bounded.
        let route = context.endpointPath ?? "unmatched"
        metrics.request(route: route, method: request.method.rawValue, status: Int(response.status.code), seconds: seconds)
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(route),
            "status": .stringConvertible(response.status.code), "duration_ms": .stringConvertible((seconds * 1000 * 100).rounded() / 100),
            "principal": .string(context.caller.id),
        ])
        return response
    }

    /// A caller's `X-Request-ID` is kept when it is short and plain; otherwise a new one is made.
    static func requestID(from request: Request) -> String {
        if let given = request.headers[.init("X-Request-ID")!], (1...64).contains(given.utf8.count),
           given.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "." }) {
            return given
        }
        return UUID().uuidString.lowercased()
    }
}

/// Establishes the caller from `Authorization: Bearer <api key or JWT>` or `X-API-Key`, then
/// applies the caller's rate limit. With no keys and no JWT configured, everyone is `anonymous`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SiftRequestContext
    let keys: APIKeyStore
    let jwt: JWTAuthenticator?
    let limiter: RateLimiter?

    var required: Bool { !keys.isEmpty || jwt != nil }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if required {
            guard let credential = Self.credential(request) else {
                throw unauthorized("missing credentials: send 'Authorization: Bearer <key or token>' or 'X-API-Key'")
            }
            if let record = keys.authenticate(credential) {
                context.principal = Principal(id: record.id, kind: .apiKey, models: record.models)
            } else if let jwt, credential.split(separator: ".").count == 3, let p = await jwt.authenticate(credential) {
                context.principal = p
            } else {
                throw unauthorized("invalid API key or token")
            }
        }
        if let limiter, let wait = limiter.take(context.principal.id) {
            throw APIError(.rateLimited, "rate limit exceeded for '\(context.principal.id)'", retryAfter: Int(wait.rounded(.up)))
        }
        context.logger[metadataKey: "principal"] = .string(context.principal.id)
        return try await next(request, context)
    }

    static func credential(_ request: Request) -> String? {
        if let auth = request.headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                return token.isEmpty ? nil : token
            }
            return nil
        }
        if let key = request.headers[.init("X-API-Key")!], !key.isEmpty { return key }
        return nil
    }

    func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, message)
    }
}
