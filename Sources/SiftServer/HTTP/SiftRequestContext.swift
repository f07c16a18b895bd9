import Hummingbird
import Synchronization

/// Per-request state: the request id (echoed as `X-Request-ID` and logged) and, once the auth
/// middleware has run, who is calling.
public struct SiftRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var principal: Principal = .anonymous {
        didSet { caller.withLock { $0 = principal.id } }
    }
    /// The caller's id, shared with the outer middleware's copy of this context so the access
    /// log line (written after the inner middleware has returned) can name who called.
    let caller = SharedCaller()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

final class SharedCaller: Sendable {
    private let value = Mutex<String>("anonymous")
    func withLock<T>(_ body: (inout String) -> T) -> T { value.withLock { body(&$0) } }
    var id: String { value.withLock { $0 } }
}
