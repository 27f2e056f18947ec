import PanoplyKit
import Synchronization

/// Fault injection for sources with no natural way to fail halfway (databases): a kind
/// whose instances read through the wrapped kind's, and whose (k+1)-th read throws a
/// non-retryable error, once per kind, so a test can fail a run on purpose and resume it
/// with the plain kind.
enum FailingSource {
    /// `kind`, failing its (reads+1)-th read once.
    /// - Parameter key: names the fault in its message ("injected test failure for KEY").
    static func kind(_ kind: SourceKind, failAfter reads: Int, key: String) -> SourceKind {
        let left = Mutex<Int?>(reads)
        return HookedSource.kind(kind) { _ in
            let due = left.withLock { n -> Bool in
                guard let k = n else { return false }
                n = k == 0 ? nil : k - 1
                return k == 0
            }
            if due { throw PanoplyError(.internal, "injected test failure for \(key)", retryable: false) }
        }
    }
}

/// A kind whose instances read through the wrapped kind's (sources that read encoded
/// batches), calling `beforeRead` with the instance's read count (from 0) before each read:
/// to fail a read, or to hold the source still while the test does something to it.
enum HookedSource {
    static func kind(_ kind: SourceKind, beforeRead: @escaping @Sendable (Int) async throws -> Void) -> SourceKind {
        SourceKind(
            type: kind.type, configuration: kind.configuration,
            open: { input, context in
                let inner = try await kind.open(source: input, context: context)
                guard let encoded = inner as? any EncodedRecordSource else {
                    await inner.close()
                    throw PanoplyError.config("HookedSource wraps sources that read encoded batches")
                }
                return Reader(encoded, beforeRead: beforeRead)
            },
            listResources: { try await kind.listResources($0, context: $1) },
            resource: { try await kind.resource($0, source: $1, context: $2) },
            values: { try await kind.values($0, source: $1, context: $2) }, incremental: kind.incremental)
    }

    /// An instance of the wrapped kind, with the hook called before each read.
    actor Reader: EncodedRecordSource {
        static let type = "hooked"
        static let configuration = SourceConfiguration(title: "Hooked source", params: [])
        private let inner: any EncodedRecordSource
        private let beforeRead: @Sendable (Int) async throws -> Void
        private var reads = 0

        init(source: SourceInput, context: SourceContext) async throws {
            throw PanoplyError.config("open a HookedSource through HookedSource.kind")
        }

        init(_ inner: any EncodedRecordSource, beforeRead: @escaping @Sendable (Int) async throws -> Void) {
            self.inner = inner
            self.beforeRead = beforeRead
        }

        private func hook() async throws {
            let n = reads
            reads += 1
            try await beforeRead(n)
        }

        func read(_ n: Int) async throws -> [JSONObject]? {
            try await hook()
            return try await inner.read(n)
        }

        func readEncoded(_ n: Int) async throws -> EncodedRecords? {
            try await hook()
            return try await inner.readEncoded(n)
        }

        func check() async throws { try await inner.check() }

        func close() async { await inner.close() }
    }
}
