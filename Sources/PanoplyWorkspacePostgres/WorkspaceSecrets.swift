import PanoplyKit
import PanoplyWorkspace
import Synchronization

/// How a PostgreSQL workspace seals its secrets (``SealedDocument``): the box of the
/// workspace key (nil when no key was given), and which params of a source type are secret.
package struct WorkspaceSecrets: Sendable {
    /// Seals and opens secrets; nil without a workspace key (sealed values then stay sealed,
    /// and saving a new secret is refused).
    package var box: SecretBox?
    /// The names of a type's secret params; nil for a type this process does not know,
    /// whose non-empty values are then all sealed (never risk plaintext).
    package var secretParams: @Sendable (_ type: String) -> Set<String>?
    /// The sealed values read and written, so an unchanged secret is written back as stored.
    let memo = SealedMemo()

    /// - Parameters:
    ///   - key: the workspace key (``WorkspaceKey/resolve(keyFile:environment:)``).
    ///   - secretParams: see ``secretParams``; by default no type is known.
    package init(key: WorkspaceKey?, secretParams: @escaping @Sendable (_ type: String) -> Set<String>? = { _ in nil }) {
        self.box = key.map(SecretBox.init(key:))
        self.secretParams = secretParams
    }

    /// No key and no known type: what a workspace uses until told (``PostgresWorkspace/useSecrets(_:)``).
    package static let none = WorkspaceSecrets(key: nil)

    /// The secret params of the types `registry` knows (each type resolved once).
    package static func secretParams(in registry: SourceRegistry) -> @Sendable (String) -> Set<String>? {
        let cache = Mutex<[String: Set<String>?]>([:])
        return { type in
            if let known = cache.withLock({ $0[type] }) { return known }
            let names = (try? registry.kind(named: type))??.configuration.params.filter(\.isSecret).map(\.name)
            let found = names.map(Set.init)
            cache.withLock { $0[type] = .some(found) }
            return found
        }
    }

    /// The params of `source` to seal: its type's secret params, or every value of a type
    /// not known here.
    func secrets(of source: SavedSource) -> Set<String> {
        secretParams(source.type) ?? Set(source.values.keys)
    }
}
