import ArgumentParser
import Foundation
import PanoplyKit
import PanoplyWorkspace

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
    @Option(
        help: ArgumentHelp(
            "Write messages as files to this folder instead of SQS (default \(DestinationSettings.defaultOutbox) when no credentials are given).",
            valueName: "DIR"))
    var outbox: String?
    @Option(help: ArgumentHelp("Keep sealed messages in this folder until acknowledged; pending ones are sent first on the next start.", valueName: "DIR"))
    var spool: String?
    @Option(
        name: .customLong("max-message-bytes"), help: ArgumentHelp("Message size limit incl. attributes (default 262144, at most 1048576).", valueName: "N"))
    var maxMessageBytes: Int?
    @Option(
        name: .customLong("flush-interval"), help: ArgumentHelp("Seal a message at most this long after its first record (default 2).", valueName: "SECONDS"))
    var flushInterval: Double?
    @Option(help: ArgumentHelp("Send requests in flight at once (default 4).", valueName: "N"))
    var concurrency: Int?
    @Option(
        name: .customLong("protocol"), help: ArgumentHelp("SQS wire protocol: query or json (default: json with AWS credentials, else query).", valueName: "P"))
    var sqsProtocol: String?
    @Option(name: .customLong("ca-bundle"), help: ArgumentHelp("Also trust the CA certificates in this PEM file (or AWS_CA_BUNDLE).", valueName: "FILE"))
    var caBundle: String?
    @Flag(name: .customLong("no-verify-ssl"), help: "Do not verify TLS certificates (insecure; prints a warning).")
    var noVerifySSL = false

    /// Resolves the options with the environment.
    func settings(environment env: [String: String] = processEnvironment) -> DestinationSettings {
        if noVerifySSL { Self.warnNoVerify() }
        let key = apiKey ?? env["PANOPLY_API_KEY"]
        let secret = apiSecret ?? env["PANOPLY_API_SECRET"]
        OutputRedaction.add([secret, awsSecretAccessKey ?? env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]].compactMap { $0 })
        let kind: DestinationSettings.Kind
        if outbox != nil {
            kind = .outbox
        } else if queueURL != nil {
            kind = .queueURL
        } else if endpoint != nil {
            kind = .endpoint
        } else if key != nil || secret != nil {
            kind = .panoply
        } else {
            kind = .outbox
        }
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
        FileHandle.standardError.write(
            Data("panoply: warning: --no-verify-ssl: TLS certificates are not verified; anyone on the network path can read and change what is sent\n".utf8))
    }

    /// True when no destination was named at all (the default outbox is used).
    func isDefault(environment env: [String: String] = processEnvironment) -> Bool {
        outbox == nil && queueURL == nil && endpoint == nil && apiKey == nil && apiSecret == nil
            && env["PANOPLY_API_KEY"] == nil && env["PANOPLY_API_SECRET"] == nil
    }
}
