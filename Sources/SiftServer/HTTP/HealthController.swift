import Foundation
import Hummingbird

/// Liveness, readiness, metrics, the OpenAPI document and the try-it page.
struct HealthController: Sendable {
    let registry: ModelRegistry
    let metrics: ServerMetrics

    /// Live: the process answers.
    @Sendable func health(_ request: Request, context: SiftRequestContext) async throws -> Response {
        try JSONBody.response(.ok, HealthStatus(status: .ok))
    }

    /// Ready: every configured model is loaded (503 lists the ones that are not).
    @Sendable func ready(_ request: Request, context: SiftRequestContext) async throws -> Response {
        let all = registry.all
        let states = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0.loadState) })
        let ready = !all.isEmpty && all.allSatisfy(\.isLoaded)
        return try JSONBody.response(ready ? .ok : .serviceUnavailable, HealthStatus(status: ready ? .ready : .notReady, models: states))
    }

    @Sendable func metricsText(_ request: Request, context: SiftRequestContext) async throws -> Response {
        text(metrics.exposition(), type: "text/plain; version=0.0.4; charset=utf-8")
    }

    @Sendable func openAPI(_ request: Request, context: SiftRequestContext) async throws -> Response {
        try JSONBody.response(.ok, OpenAPIDocument.document)
    }

    @Sendable func index(_ request: Request, context: SiftRequestContext) async throws -> Response {
        text(TryItPage.html, type: "text/html; charset=utf-8")
    }

    func text(_ s: String, type: String) -> Response {
        var h = HTTPFields()
        h[.contentType] = type
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: s)))
    }
}
