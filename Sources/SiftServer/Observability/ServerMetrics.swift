import CoreMetrics
import Foundation
import Metrics
import Prometheus
import SiftInference

/// The server's metrics, recorded through swift-metrics into a Prometheus registry owned by this
/// application (not the process-global one), so several apps in one test process stay apart.
public final class ServerMetrics: BatchObserver, Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var f = PrometheusMetricsFactory(registry: registry)
        let sizes: [Double] = [1, 2, 4, 8, 16, 32, 64, 128]
        f.valueHistogramBuckets = [
            "sift_batch_size_texts": sizes,
            "sift_batch_tokens": [16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384],
        ]
        let lat: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                               .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
        f.defaultDurationHistogramBuckets = lat
        // Tokenizing and queueing one request take well under a millisecond when the server is idle.
        let fine: [Duration] = [.microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500)] + lat
        f.durationHistogramBuckets = [
            Self.tokenizeTimer: fine, Self.queueTimer: fine, Self.inferenceTimer: lat,
        ]
        factory = f
    }

    public func request(route: String, method: String, status: Int, seconds: Double) {
        let dims = [("route", route), ("method", method), ("status", String(status))]
        Counter(label: "sift_http_requests_total", dimensions: dims, factory: factory).increment()
        Metrics.Timer(label: "sift_http_request_duration_seconds", dimensions: dims, factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    public func queueDepthChanged(model: String, texts: Int) {
        Gauge(label: "sift_queue_depth_texts", dimensions: [("model", model)], factory: factory).record(texts)
    }

    public func batchRan(model: String, texts: Int, tokens: Int, seconds: Double) {
        let dims = [("model", model)]
        Recorder(label: "sift_batch_size_texts", dimensions: dims, factory: factory).record(texts)
        Recorder(label: "sift_batch_tokens", dimensions: dims, factory: factory).record(tokens)
        Metrics.Timer(label: "sift_inference_duration_seconds", dimensions: dims, factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Per-request phase timers (text-embeddings-inference's `te_request_*_duration`), by model and endpoint.
    static let tokenizeTimer = "sift_request_tokenize_duration_seconds"
    static let queueTimer = "sift_request_queue_duration_seconds"
    static let inferenceTimer = "sift_request_inference_duration_seconds"

    /// Records where one answered request's time went.
    public func phases(model: String, endpoint: String, _ t: PhaseTimings) {
        let dims = [("model", model), ("endpoint", endpoint)]
        for (label, d) in [(Self.tokenizeTimer, t.tokenize), (Self.queueTimer, t.queue), (Self.inferenceTimer, t.inference)] {
            Metrics.Timer(label: label, dimensions: dims, factory: factory).record(duration: d)
        }
    }

    public func modelLoaded(_ model: String, _ loaded: Bool) {
        Gauge(label: "sift_model_loaded", dimensions: [("model", model)], factory: factory).record(loaded ? 1 : 0)
    }

    /// `reason`: load_failed, error, timeout, low_score.
    public func fallback(model: String, reason: String, texts: Int) {
        Counter(label: "sift_fallback_total", dimensions: [("model", model), ("reason", reason)], factory: factory)
            .increment(by: texts)
    }

    /// Prometheus text exposition format.
    public func exposition() -> String { registry.emitToString() }
}
