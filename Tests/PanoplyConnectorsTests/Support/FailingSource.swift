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
        let fault = Fault(reads: reads, key: key)
        return SourceKind(
            type: kind.type, configuration: kind.configuration,
            open: { input, context in
                let inner = try await kind.open(source: input, context: context)
                guard let encoded = inner as? any EncodedRecordSource else {
                    await inner.close()
                    throw PanoplyError.config("FailingSource wraps sources that read encoded batches")
                }
                return Reader(encoded, fault: fault)
            },
            listResources: { try await kind.listResources($0, context: $1) },
            resource: { try await kind.resource($0, source: $1, context: $2) },
            values: { try await kind.values($0, source: $1, context: $2) }, incremental: kind.incremental)
    }

    /// How many reads are left before the failure (nil once it happened).
    final class Fault: Sendable {
        private let left: Mutex<Int?>
        let key: String

        init(reads: Int, key: String) {
            left = Mutex(reads)
            self.key = key
        }

        /// Called at the start of a read.
        /// - Throws: the injected failure when it is due.
        func check() throws {
            let due = left.withLock { n -> Bool in
                guard let k = n else { return false }
                n = k == 0 ? nil : k - 1
                return k == 0
            }
            if due { throw PanoplyError(.internal, "injected test failure for \(key)", retryable: false) }
        }
    }

    /// An instance of the wrapped kind, with the fault checked before each read.
    actor Reader: EncodedRecordSource {
        static let type = "failing"
        static let configuration = SourceConfiguration(title: "Failing source", params: [])
        private let inner: any EncodedRecordSource
        private let fault: Fault

        init(source: SourceInput, context: SourceContext) async throws {
            throw PanoplyError.config("open a FailingSource through FailingSource.kind")
        }

        init(_ inner: any EncodedRecordSource, fault: Fault) {
            self.inner = inner
            self.fault = fault
        }

        func read(_ n: Int) async throws -> [JSONObject]? {
            try fault.check()
            return try await inner.read(n)
        }

        func readEncoded(_ n: Int) async throws -> EncodedRecords? {
            try fault.check()
            return try await inner.readEncoded(n)
        }

        func check() async throws { try await inner.check() }

        func close() async { await inner.close() }
    }
}
