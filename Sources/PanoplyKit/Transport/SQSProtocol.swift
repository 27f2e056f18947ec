/// The wire protocol used to talk to SQS.
public enum SQSProtocol: String, Sendable, CaseIterable {
    /// Form-encoded `Action=SendMessage` (what the original SDK used).
    case query
    /// AWS JSON 1.0 with `X-Amz-Target: AmazonSQS.SendMessage`.
    case json
}
