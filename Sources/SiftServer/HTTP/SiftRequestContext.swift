import Hummingbird

/// Per-request state: the request id (echoed as `X-Request-ID` and logged) and, once the auth
/// middleware has run, who is calling.
public struct SiftRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var principal: Principal = .anonymous

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
