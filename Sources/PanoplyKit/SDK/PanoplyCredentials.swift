import Foundation

/// Panoply API credentials, decoded into the parts that name the SDK's queue.
///
/// The API key is `ACCOUNT/RAND1`; the secret is base64 of `RAND2/UUID/AWSACCOUNT/REGION`.
public struct PanoplyCredentials: Sendable, Equatable {
    public let apiKey: String
    public let apiSecret: String
    public let account: String
    public let rand2: String
    public let awsAccount: String
    public let region: String

    /// Decodes and checks the key and secret.
    /// - Throws: ``PanoplyError`` (config) naming exactly what is malformed.
    public init(apiKey: String, apiSecret: String) throws {
        let key = apiKey.trimmingCharacters(in: .whitespacesAndNewlines)
        let secret = apiSecret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw PanoplyError.config("apiKey is empty (expected ACCOUNT/RAND, as shown in Panoply's SDK data source)") }
        let keyParts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard keyParts.count == 2 else {
            throw PanoplyError.config("apiKey must look like ACCOUNT/RAND with exactly one '/' (it has \(keyParts.count - 1))")
        }
        guard !keyParts[0].isEmpty else { throw PanoplyError.config("apiKey has an empty ACCOUNT part before '/'") }
        guard !keyParts[1].isEmpty else { throw PanoplyError.config("apiKey has an empty part after '/'") }
        guard !secret.isEmpty else { throw PanoplyError.config("apiSecret is empty") }
        guard let data = Data(base64Encoded: secret) else {
            let hint = secret.count % 4 != 0 ? " (check for missing '=' padding)" : " (it contains characters outside A-Z a-z 0-9 + / =)"
            throw PanoplyError.config("apiSecret is not valid base64\(hint)")
        }
        guard let decoded = String(data: data, encoding: .utf8) else {
            throw PanoplyError.config("apiSecret does not decode to UTF-8 text; copy it again from Panoply")
        }
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4 else {
            throw PanoplyError.config("apiSecret decodes to \(parts.count) '/'-separated parts; expected 4 (RAND/UUID/AWSACCOUNT/REGION)")
        }
        let names = ["RAND", "UUID", "AWSACCOUNT", "REGION"]
        for (name, part) in zip(names, parts) where part.isEmpty {
            throw PanoplyError.config("apiSecret has an empty \(name) part")
        }
        self.apiKey = key
        self.apiSecret = secret
        self.account = String(keyParts[0])
        self.rand2 = String(parts[0])
        self.awsAccount = String(parts[2])
        self.region = String(parts[3])
    }

    /// `sdk-ACCOUNT-RAND2`
    public var queueName: String { "sdk-\(account)-\(rand2)" }

    /// Panoply's queue: `https://sqs.REGION.amazonaws.com/AWSACCOUNT/sdk-ACCOUNT-RAND2`.
    public var queueURL: String { "https://sqs.\(region).amazonaws.com/\(awsAccount)/\(queueName)" }

    /// The queue on an SQS-compatible endpoint: `ENDPOINT/AWSACCOUNT/sdk-ACCOUNT-RAND2`.
    public func queueURL(endpoint: String) -> String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/\(awsAccount)/\(queueName)"
    }

    /// The key with its random part masked, safe for logs and screens.
    public var maskedKey: String { "\(account)/****" }
}
