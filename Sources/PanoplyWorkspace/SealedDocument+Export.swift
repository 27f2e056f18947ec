import PanoplyKit

extension SavedSource {
    /// This source without its secrets, for `workspace export` without `--with-secrets`:
    /// the values of `secretParams` and the hash salt left out unless they are only
    /// `${NAME}` references (``SealedDocument/isSecret(_:)``), and no sealed values.
    package func withoutSecrets(secretParams: Set<String>) -> SavedSource {
        var s = self
        for name in secretParams { if let v = s.values[name], SealedDocument.isSecret(v) { s.values[name] = nil } }
        if let salt = s.fields?.hashSalt, SealedDocument.isSecret(salt) { s.fields?.hashSalt = nil }
        s.sealed = nil
        return s
    }
}

extension DestinationSettings {
    /// These settings without their secrets (`apiSecret`, `awsSecretAccessKey`, unless only
    /// `${NAME}` references), and no sealed values.
    package var withoutSecrets: DestinationSettings {
        var d = self
        if let v = d.apiSecret, SealedDocument.isSecret(v) { d.apiSecret = nil }
        if let v = d.awsSecretAccessKey, SealedDocument.isSecret(v) { d.awsSecretAccessKey = nil }
        d.sealed = nil
        return d
    }
}
