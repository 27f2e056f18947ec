/// An error that a user can act on: what went wrong, whether retrying may help, and a
/// code from the original SDK's classification.
public struct PanoplyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure; each maps to one of the original SDK's codes.
    public enum Category: String, Sendable, Codable, CaseIterable {
        case config, auth, notFound = "not_found", rateLimit = "rate_limit", transient, `internal`

        /// The code the original SDK used for this category.
        public var defaultCode: Int {
            switch self {
            case .config: 400
            case .auth: 401
            case .notFound: 404
            case .rateLimit: 429
            case .transient: 408
            case .internal: 500
            }
        }

        /// Whether errors of this category are worth retrying by default.
        public var defaultRetryable: Bool {
            switch self {
            case .rateLimit, .transient: true
            case .config, .auth, .notFound, .internal: false
            }
        }
    }

    /// One of 400, 401, 403, 404, 408, 422, 429, 500, 501.
    public var code: Int
    public var category: Category
    public var message: String
    /// Whether the runner (or the SDK) should try again.
    public var retryable: Bool

    public init(_ category: Category, _ message: String, code: Int? = nil, retryable: Bool? = nil) {
        self.category = category
        self.message = message
        self.code = code ?? category.defaultCode
        self.retryable = retryable ?? category.defaultRetryable
    }

    public var description: String { message }

    /// A configuration problem (400): bad credentials, params or options.
    public static func config(_ message: String) -> PanoplyError { .init(.config, message) }
}

extension Error {
    /// The error as a ``PanoplyError``: itself if it is one, otherwise an internal,
    /// retryable error carrying its description.
    public var asPanoplyError: PanoplyError {
        if let e = self as? PanoplyError { return e }
        if self is CancellationError { return PanoplyError(.internal, "cancelled", retryable: false) }
        return PanoplyError(.internal, String(describing: self), retryable: true)
    }
}
