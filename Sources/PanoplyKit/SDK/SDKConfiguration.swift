import Foundation

/// Where the SDK sends its messages.
public enum Destination: Sendable, Equatable {
    /// Panoply's own queue, computed from the credentials.
    case panoply
    /// An SQS-compatible endpoint; the queue path comes from the credentials.
    case endpoint(String)
    /// An exact queue URL.
    case queueURL(String)
    /// A local folder: each message body is one file `<sequence>.ndjson`.
    case outbox(String)
}

/// Everything that shapes an SDK instance. The defaults match the original SDK.
public struct SDKConfiguration: Sendable {
    /// SQS's largest message (1 MiB).
    public static let sqsMaxMessageBytes = 1_048_576

    public var credentials: PanoplyCredentials?
    public var destination: Destination
    public var awsCredentials: AWSCredentials?
    /// The wire protocol. Unless set: AWS JSON when AWS credentials are given (as the
    /// current AWS SDKs talk to SQS), Query for Panoply's unsigned queues (as the original).
    public var sqsProtocol: SQSProtocol {
        get { chosenProtocol ?? (awsCredentials == nil ? .query : .json) }
        set { chosenProtocol = newValue }
    }
    private var chosenProtocol: SQSProtocol?
    /// Body plus attributes; default 256 KiB, at most 1 MiB.
    public var maxMessageBytes = 262_144
    /// A message is sealed this long after its first record at the latest.
    public var flushInterval: Duration = .seconds(2)
    /// How many send requests may be in flight at once.
    public var concurrency = 4
    /// Use SendMessageBatch when several sealed messages wait.
    public var useSendMessageBatch = true
    /// Bytes buffered (written, not yet acknowledged) before `write` pushes back.
    public var maxBufferedBytes = 32 * 1_048_576
    public var retry = RetryPolicy()
    /// A folder where sealed messages are kept until acknowledged (at-least-once across crashes).
    public var spoolDirectory: String?
    /// Trusted CAs, certificate checks and proxies (`AWS_CA_BUNDLE`, `HTTPS_PROXY`,
    /// `NO_PROXY`... read from the environment by default, as the AWS SDKs do).
    public var network = NetworkSettings.fromEnvironment()
    /// The `sdk` message attribute.
    public var sdkName = "panoply-swift-\(PanoplyKitVersion.string)"

    /// - Parameters:
    ///   - credentials: Panoply's API key and secret (required for `.panoply` and `.endpoint`).
    ///   - destination: where messages go.
    public init(credentials: PanoplyCredentials?, destination: Destination = .panoply) {
        self.credentials = credentials
        self.destination = destination
    }

    /// Checks the configuration and resolves the queue URL (nil for the outbox).
    /// - Throws: ``PanoplyError`` (config) naming the setting to fix.
    public func validatedQueueURL() throws -> String? {
        guard maxMessageBytes >= 1024, maxMessageBytes <= Self.sqsMaxMessageBytes else {
            throw PanoplyError.config("max message bytes must be between 1024 and \(Self.sqsMaxMessageBytes) (SQS's limit); got \(maxMessageBytes)")
        }
        guard concurrency >= 1, concurrency <= 256 else {
            throw PanoplyError.config("concurrency must be between 1 and 256; got \(concurrency)")
        }
        guard flushInterval > .zero else { throw PanoplyError.config("flush interval must be positive") }
        switch destination {
        case .panoply:
            guard let credentials else { throw PanoplyError.config("Panoply destination needs an API key and secret") }
            return credentials.queueURL
        case .endpoint(let endpoint):
            guard let credentials else {
                throw PanoplyError.config("--endpoint needs an API key and secret to name the queue; use --queue-url for an exact queue")
            }
            try Self.checkURL(endpoint, what: "endpoint")
            return credentials.queueURL(endpoint: endpoint)
        case .queueURL(let url):
            try Self.checkURL(url, what: "queue URL")
            return url
        case .outbox:
            return nil
        }
    }

    static func checkURL(_ s: String, what: String) throws {
        guard let url = URL(string: s), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw PanoplyError.config("\(what) '\(s)' is not an http(s) URL")
        }
    }

    /// The message attributes every message carries.
    public var attributes: [(name: String, value: String)] {
        var attrs: [(String, String)] = []
        if let credentials {
            attrs.append(("key", credentials.apiKey))
            attrs.append(("secret", credentials.apiSecret))
        }
        attrs.append(("sdk", sdkName))
        return attrs
    }

    /// Bytes the attributes count toward SQS's message size (name + type + value).
    public var attributeBytes: Int {
        attributes.reduce(0) { $0 + $1.name.utf8.count + "String".utf8.count + $1.value.utf8.count }
    }
}

/// The version of this package, sent in the `sdk` attribute.
public enum PanoplyKitVersion {
    public static let string = "0.1.0"
}
