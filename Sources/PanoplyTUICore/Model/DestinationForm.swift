import Foundation
import PanoplyKit
import PanoplyWorkspace

/// The destination form: fields for the chosen kind, and back to settings.
package enum DestinationForm {
    package static let kinds: [DestinationSettings.Kind] = [.outbox, .panoply, .endpoint, .queueURL]

    package static func form(_ d: DestinationSettings) -> FormState {
        let values: [String: String] = [
            "kind": d.kind.rawValue, "outbox": d.outbox, "api_key": d.apiKey ?? "", "api_secret": d.apiSecret ?? "",
            "endpoint": d.endpoint ?? "", "queue_url": d.queueURL ?? "",
            "aws_access_key_id": d.awsAccessKeyId ?? "", "aws_secret_access_key": d.awsSecretAccessKey ?? "",
            "ca_bundle": d.caBundle ?? ""
        ]
        var form = FormState(purpose: .destination, title: "Destination", fields: fields(values))
        form.markUnchanged()
        return form
    }

    /// The fields that apply to `values["kind"]`, holding `values`.
    package static func fields(_ values: [String: String]) -> [FormField] {
        let kind = DestinationSettings.Kind(rawValue: values["kind"] ?? "") ?? .outbox
        var params = [
            SourceParam(
                "kind", title: "Destination", kind: .choice, required: true, default: kind.rawValue,
                help: "outbox: a local folder; panoply: Panoply's queue; endpoint / queueURL: an SQS-compatible service",
                choices: kinds.map(\.rawValue))
        ]
        let key = SourceParam(
            "api_key", title: "API key", required: kind == .panoply || kind == .endpoint, placeholder: "ACCOUNT/RAND", help: "Your Panoply API key")
        let secret = SourceParam(
            "api_secret", title: "API secret", kind: .secret, required: kind == .panoply || kind == .endpoint, help: "Your Panoply API secret (base64)")
        let awsId = SourceParam("aws_access_key_id", title: "AWS access key id", help: "Signs requests with SigV4 (optional for Panoply's own queues)")
        let awsKey = SourceParam("aws_secret_access_key", title: "AWS secret key", kind: .secret, help: "The secret of the AWS access key")
        let caBundle = SourceParam(
            "ca_bundle", title: "CA bundle", kind: .path, placeholder: "/path/to/ca.pem",
            help: "Also trust the CA certificates in this PEM file (a private CA or a TLS proxy); AWS_CA_BUNDLE when empty")
        switch kind {
        case .outbox:
            params.append(
                SourceParam(
                    "outbox", title: "Outbox folder", kind: .path, required: true, placeholder: "./panoply-outbox",
                    help: "Each message is written as one .ndjson file in this folder"))
        case .panoply:
            params += [key, secret, caBundle]
        case .endpoint:
            params += [
                SourceParam(
                    "endpoint", title: "Endpoint URL", required: true, placeholder: "http://127.0.0.1:5000",
                    help: "An SQS-compatible endpoint; the queue name comes from the API key"), key, secret, awsId, awsKey, caBundle
            ]
        case .queueURL:
            params += [
                SourceParam(
                    "queue_url", title: "Queue URL", required: true, placeholder: "http://127.0.0.1:5000/123456789012/my-queue",
                    help: "The exact URL of the queue"), awsId, awsKey, caBundle
            ]
        }
        return params.map { FormField($0, value: values[$0.name]) }
    }

    /// Settings from the form's values, keeping what the form does not show (spool, sizes).
    package static func settings(_ values: [String: String], base: DestinationSettings) -> DestinationSettings {
        func v(_ name: String) -> String? {
            let t = (values[name] ?? "").trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : t
        }
        var d = base
        d.kind = DestinationSettings.Kind(rawValue: values["kind"] ?? "") ?? .outbox
        d.outbox = v("outbox") ?? base.outbox
        d.apiKey = v("api_key")
        d.apiSecret = v("api_secret")
        d.endpoint = v("endpoint")
        d.queueURL = v("queue_url")
        d.awsAccessKeyId = v("aws_access_key_id")
        d.awsSecretAccessKey = v("aws_secret_access_key")
        d.caBundle = v("ca_bundle")
        return d
    }
}
