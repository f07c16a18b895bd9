/// Who is calling, as established by an API key or a JWT, and which models they may use.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable { case apiKey = "api_key", jwt, anonymous }

    /// Key id or JWT subject; recorded in the audit log and used as the rate-limit bucket.
    public var id: String
    public var kind: Kind
    /// nil means every model.
    public var models: Set<String>?

    public init(id: String, kind: Kind, models: Set<String>?) {
        self.id = id
        self.kind = kind
        self.models = models
    }

    public static let anonymous = Principal(id: "anonymous", kind: .anonymous, models: nil)

    public func mayUse(model name: String) -> Bool {
        guard let models else { return true }
        return models.contains(name) || models.contains("*")
    }
}
