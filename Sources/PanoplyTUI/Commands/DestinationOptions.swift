import ArgumentParser
import Foundation
import PanoplyKit

/// Where records go, resolved from the command line and the environment.
struct DestinationSettings: Sendable, Equatable, Codable {
    enum Kind: String, Sendable, Codable { case panoply, endpoint, queueURL, outbox }

    var kind: Kind
    var apiKey: String?
    var apiSecret: String?
    var endpoint: String?
    var queueURL: String?
    var awsAccessKeyId: String?
    var awsSecretAccessKey: String?
    var outbox: String
    var spool: String?
    var maxMessageBytes: Int?
    var flushInterval: Double?
    var concurrency: Int?
    var sqsProtocol: String?
    /// Extra trusted CAs (PEM), from `--ca-bundle`; AWS_CA_BUNDLE when nil.
    var caBundle: String?
    /// `--no-verify-ssl`: certificates are not checked (a warning says so each time).
    var noVerifySSL: Bool?

    static let defaultOutbox = "./panoply-outbox"

    /// The SDK configuration, validated as the SDK validates it.
    /// - Throws: ``PanoplyError`` (config) naming what to fix.
    func sdkConfiguration() throws -> SDKConfiguration {
        var credentials: PanoplyCredentials?
        if apiKey != nil || apiSecret != nil {
            guard let apiKey, !apiKey.isEmpty else { throw PanoplyError.config("an API secret was given without an API key (--api-key or PANOPLY_API_KEY)") }
            guard let apiSecret, !apiSecret.isEmpty else { throw PanoplyError.config("an API key was given without an API secret (--api-secret or PANOPLY_API_SECRET)") }
            credentials = try PanoplyCredentials(apiKey: apiKey, apiSecret: apiSecret)
        }
        let destination: Destination
        switch kind {
        case .panoply: destination = .panoply
        case .endpoint: destination = .endpoint(endpoint ?? "")
        case .queueURL: destination = .queueURL(queueURL ?? "")
        case .outbox: destination = .outbox(outbox)
        }
        var c = SDKConfiguration(credentials: credentials, destination: destination)
        if let id = awsAccessKeyId, let key = awsSecretAccessKey, !id.isEmpty, !key.isEmpty {
            c.awsCredentials = AWSCredentials(accessKeyId: id, secretAccessKey: key,
                                              sessionToken: ProcessInfo.processInfo.environment["AWS_SESSION_TOKEN"])
        } else if (awsAccessKeyId ?? "").isEmpty != (awsSecretAccessKey ?? "").isEmpty {
            throw PanoplyError.config("give both --aws-access-key-id and --aws-secret-access-key, or neither")
        }
        if let p = sqsProtocol {
            guard let proto = SQSProtocol(rawValue: p) else { throw PanoplyError.config("--protocol must be query or json (got '\(p)')") }
            c.sqsProtocol = proto
        }
        if let n = maxMessageBytes { c.maxMessageBytes = n }
        if let s = flushInterval {
            guard s > 0, s.isFinite else { throw PanoplyError.config("--flush-interval must be a positive number of seconds (got \(s))") }
            c.flushInterval = .milliseconds(Int64(s * 1000))
        }
        if let n = concurrency { c.concurrency = n }
        c.spoolDirectory = spool
        if let caBundle, !caBundle.isEmpty { c.network.caBundles = [caBundle] }
        if noVerifySSL == true { c.network.verifyCertificates = false }
        _ = try c.validatedQueueURL()
        return c
    }

    /// For headers and logs: never shows a secret.
    var displayName: String {
        switch kind {
        case .panoply:
            let account = apiKey.flatMap { $0.split(separator: "/").first }.map(String.init) ?? "?"
            return "Panoply queue (account \(account))"
        case .endpoint: return "SQS endpoint \(endpoint ?? "?")"
        case .queueURL: return "SQS queue \(queueURL ?? "?")"
        case .outbox: return "outbox \(outbox)"
        }
    }
}

/// The destination options shared by every command that sends.
struct DestinationOptions: ParsableArguments {
    @Option(name: .customLong("api-key"), help: ArgumentHelp("Panoply API key (ACCOUNT/RAND), or PANOPLY_API_KEY.", valueName: "K"))
    var apiKey: String?
    @Option(name: .customLong("api-secret"), help: ArgumentHelp("Panoply API secret (base64), or PANOPLY_API_SECRET.", valueName: "S"))
    var apiSecret: String?
    @Option(help: ArgumentHelp("An SQS-compatible endpoint; the queue path comes from the API key and secret.", valueName: "URL"))
    var endpoint: String?
    @Option(name: .customLong("queue-url"), help: ArgumentHelp("An exact SQS queue URL.", valueName: "URL"))
    var queueURL: String?
    @Option(name: .customLong("aws-access-key-id"), help: ArgumentHelp("Sign requests with SigV4 (or AWS_ACCESS_KEY_ID).", valueName: "ID"))
    var awsAccessKeyId: String?
    @Option(name: .customLong("aws-secret-access-key"), help: ArgumentHelp("SigV4 secret (or AWS_SECRET_ACCESS_KEY).", valueName: "KEY"))
    var awsSecretAccessKey: String?
    @Option(help: ArgumentHelp("Write messages as files to this folder instead of SQS (default \(DestinationSettings.defaultOutbox) when no credentials are given).", valueName: "DIR"))
    var outbox: String?
    @Option(help: ArgumentHelp("Keep sealed messages in this folder until acknowledged; pending ones are sent first on the next start.", valueName: "DIR"))
    var spool: String?
    @Option(name: .customLong("max-message-bytes"), help: ArgumentHelp("Message size limit incl. attributes (default 262144, at most 1048576).", valueName: "N"))
    var maxMessageBytes: Int?
    @Option(name: .customLong("flush-interval"), help: ArgumentHelp("Seal a message at most this long after its first record (default 2).", valueName: "SECONDS"))
    var flushInterval: Double?
    @Option(help: ArgumentHelp("Send requests in flight at once (default 4).", valueName: "N"))
    var concurrency: Int?
    @Option(name: .customLong("protocol"), help: ArgumentHelp("SQS wire protocol: query or json (default: json with AWS credentials, else query).", valueName: "P"))
    var sqsProtocol: String?
    @Option(name: .customLong("ca-bundle"), help: ArgumentHelp("Also trust the CA certificates in this PEM file (or AWS_CA_BUNDLE).", valueName: "FILE"))
    var caBundle: String?
    @Flag(name: .customLong("no-verify-ssl"), help: "Do not verify TLS certificates (insecure; prints a warning).")
    var noVerifySSL = false

    /// Resolves the options with the environment.
    func settings(environment env: [String: String] = ProcessInfo.processInfo.environment) -> DestinationSettings {
        if noVerifySSL { Self.warnNoVerify() }
        let key = apiKey ?? env["PANOPLY_API_KEY"]
        let secret = apiSecret ?? env["PANOPLY_API_SECRET"]
        let kind: DestinationSettings.Kind
        if outbox != nil { kind = .outbox }
        else if queueURL != nil { kind = .queueURL }
        else if endpoint != nil { kind = .endpoint }
        else if key != nil || secret != nil { kind = .panoply }
        else { kind = .outbox }
        return DestinationSettings(
            kind: kind, apiKey: key, apiSecret: secret, endpoint: endpoint, queueURL: queueURL,
            awsAccessKeyId: awsAccessKeyId ?? env["AWS_ACCESS_KEY_ID"],
            awsSecretAccessKey: awsSecretAccessKey ?? env["AWS_SECRET_ACCESS_KEY"],
            outbox: outbox ?? DestinationSettings.defaultOutbox, spool: spool, maxMessageBytes: maxMessageBytes,
            flushInterval: flushInterval, concurrency: concurrency, sqsProtocol: sqsProtocol,
            caBundle: caBundle, noVerifySSL: noVerifySSL ? true : nil)
    }

    /// Said on stderr every time `--no-verify-ssl` is used, as the AWS CLI does.
    static func warnNoVerify() {
        FileHandle.standardError.write(Data("panoply: warning: --no-verify-ssl: TLS certificates are not verified; anyone on the network path can read and change what is sent\n".utf8))
    }

    /// True when no destination was named at all (the default outbox is used).
    func isDefault(environment env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        outbox == nil && queueURL == nil && endpoint == nil && apiKey == nil && apiSecret == nil
            && env["PANOPLY_API_KEY"] == nil && env["PANOPLY_API_SECRET"] == nil
    }
}
