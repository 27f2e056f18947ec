import PanoplyKit

/// Where records go, resolved from the command line and the environment.
package struct DestinationSettings: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable { case panoply, endpoint, queueURL, outbox }

    package var kind: Kind
    package var apiKey: String?
    package var apiSecret: String?
    package var endpoint: String?
    package var queueURL: String?
    package var awsAccessKeyId: String?
    package var awsSecretAccessKey: String?
    package var outbox: String
    package var spool: String?
    package var maxMessageBytes: Int?
    package var flushInterval: Double?
    package var concurrency: Int?
    package var sqsProtocol: String?
    /// Extra trusted CAs (PEM), from `--ca-bundle`; AWS_CA_BUNDLE when nil.
    package var caBundle: String?
    /// `--no-verify-ssl`: certificates are not checked (a warning says so each time).
    package var noVerifySSL: Bool?
    /// Secrets (`apiSecret`, `awsSecretAccessKey`) stored sealed in a shared workspace that
    /// were not opened (no workspace key): kept as stored so a save writes them back; a run
    /// refuses to send (``lockedSecretsError``).
    package var sealed: [String: SealedValue]?

    package static let defaultOutbox = "./panoply-outbox"

    package init(
        kind: Kind, apiKey: String? = nil, apiSecret: String? = nil, endpoint: String? = nil, queueURL: String? = nil,
        awsAccessKeyId: String? = nil, awsSecretAccessKey: String? = nil, outbox: String, spool: String? = nil,
        maxMessageBytes: Int? = nil, flushInterval: Double? = nil, concurrency: Int? = nil, sqsProtocol: String? = nil,
        caBundle: String? = nil, noVerifySSL: Bool? = nil
    ) {
        self.kind = kind
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.endpoint = endpoint
        self.queueURL = queueURL
        self.awsAccessKeyId = awsAccessKeyId
        self.awsSecretAccessKey = awsSecretAccessKey
        self.outbox = outbox
        self.spool = spool
        self.maxMessageBytes = maxMessageBytes
        self.flushInterval = flushInterval
        self.concurrency = concurrency
        self.sqsProtocol = sqsProtocol
        self.caBundle = caBundle
        self.noVerifySSL = noVerifySSL
    }

    /// The SDK configuration, validated as the SDK validates it.
    /// - Parameter awsSessionToken: goes with the AWS credentials (read from
    ///   `AWS_SESSION_TOKEN` once, at start, by the command line; never saved).
    /// - Throws: ``PanoplyError`` (config) naming what to fix (also when its secrets are
    ///   sealed and no workspace key was given).
    package func sdkConfiguration(awsSessionToken: String? = nil) throws -> SDKConfiguration {
        if let lockedSecretsError { throw lockedSecretsError }
        var credentials: PanoplyCredentials?
        if apiKey != nil || apiSecret != nil {
            guard let apiKey, !apiKey.isEmpty else { throw PanoplyError.config("an API secret was given without an API key (--api-key or PANOPLY_API_KEY)") }
            guard let apiSecret, !apiSecret.isEmpty else {
                throw PanoplyError.config("an API key was given without an API secret (--api-secret or PANOPLY_API_SECRET)")
            }
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
            c.awsCredentials = AWSCredentials(
                accessKeyId: id, secretAccessKey: key,
                sessionToken: awsSessionToken)
        } else if (awsAccessKeyId ?? "").isEmpty != (awsSecretAccessKey ?? "").isEmpty {
            throw PanoplyError.config("give both --aws-access-key-id and --aws-secret-access-key, or neither")
        }
        if let p = sqsProtocol {
            guard let proto = SQSProtocol(rawValue: p) else { throw PanoplyError.config("--protocol must be query or json (got '\(p)')") }
            c.sqsProtocol = proto
        }
        if let n = maxMessageBytes { c.maxMessageBytes = n }
        if let s = flushInterval {
            c.flushInterval = try SecondsOption.duration(s, option: "--flush-interval", in: SecondsOption.flushInterval)
        }
        if let n = concurrency { c.concurrency = n }
        c.spoolDirectory = spool
        if let caBundle, !caBundle.isEmpty { c.network.caBundles = [caBundle] }
        if noVerifySSL == true { c.network.verifyCertificates = false }
        _ = try c.validatedQueueURL()
        return c
    }

    /// For headers and logs: never shows a secret.
    package var displayName: String {
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

extension DestinationSettings {
    /// The outbox and spool folders made absolute against `directory` (the folder the UI
    /// started in), so a saved destination writes to the same place from any folder.
    package func absolute(against directory: String) -> DestinationSettings {
        var d = self
        d.outbox = PathResolution.absolute(outbox, against: directory)
        d.spool = spool.map { PathResolution.absolute($0, against: directory) }
        return d
    }

    /// These settings writing to the outbox `folder` instead.
    package func writing(toOutbox folder: String) -> DestinationSettings {
        var d = self
        d.kind = .outbox
        d.outbox = folder
        return d
    }
}

/// Where the records of a saved source go when no destination is saved: the outbox
/// folder the UI used, kept absolute with the source.
package enum SavedOutbox {
    /// `sources` as they are saved: each without an outbox gets the UI's outbox folder,
    /// absolute against `directory`, when the UI writes to an outbox and no destination
    /// is saved; otherwise unchanged.
    package static func filling(
        _ sources: [SavedSource], ui: DestinationSettings, directory: String,
        destinationSaved: Bool
    ) -> [SavedSource] {
        guard !destinationSaved, ui.kind == .outbox else { return sources }
        let folder = PathResolution.absolute(ui.outbox, against: directory)
        return sources.map { s in
            var s = s
            if s.outbox == nil { s.outbox = folder }
            return s
        }
    }

    /// The destination of a run of `source`: `given` when options named one or a
    /// destination is saved, else the source's saved outbox folder, else `given`.
    package static func destination(
        for source: SavedSource?, given: DestinationSettings,
        explicit: Bool
    ) -> DestinationSettings {
        guard !explicit, let folder = source?.outbox, !folder.isEmpty else { return given }
        return given.writing(toOutbox: folder)
    }
}
