import Foundation
import Synchronization

/// Per-caller token buckets: each caller may burst `burst` requests, refilled at `rate` per second.
public final class RateLimiter: Sendable {
    struct Bucket { var tokens: Double; var updated: ContinuousClock.Instant }

    public let rate: Double
    public let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// nil when allowed (a token is spent), else the seconds until one token is available.
    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { all in
            var b = all[key] ?? Bucket(tokens: burst, updated: now)
            b.tokens = min(burst, b.tokens + (now - b.updated).seconds * rate)
            b.updated = now
            if b.tokens >= 1 {
                b.tokens -= 1
                all[key] = b
                return nil
            }
            all[key] = b
            return (1 - b.tokens) / rate
        }
    }
}
