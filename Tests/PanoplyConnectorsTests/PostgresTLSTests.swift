import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// sslmode and sslrootcert against the server of scripts/services/postgres.sh started with
/// ssl=on and a certificate for `localhost` from the test CA of scripts/services/certs.sh.
@Suite("PostgreSQL TLS", .serialized)
struct PostgresTLSTests {
    static let available: Bool = {
        let on = PostgresSourceTests.env != nil && serviceEnv("PANOPLY_TEST_PG_SSL") == "on" && serviceEnv("PANOPLY_TEST_TLS_DIR") != nil
        if !on { print("skipping PostgreSQL TLS tests: start certs.sh before postgres.sh (PANOPLY_TEST_PG_SSL=on)") }
        return on
    }()

    static var ca: String { "\(serviceEnv("PANOPLY_TEST_TLS_DIR") ?? "")/ca.pem" }

    /// Reads this session's row of pg_stat_ssl through the source with `params`.
    func run(_ params: [String: String]) async throws -> (RunHarness.Outcome, Bool?) {
        let h = try RunHarness()
        defer { h.remove() }
        var p = try #require(PostgresSourceTests.env)
        p["query"] = "SELECT pid AS id, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        p["incremental_key"] = "id"
        for (k, v) in params { p[k] = v }
        let outcome = try await h.run(PostgresSource.self, p)
        return (outcome, try h.delivered().first?["ssl"]?.boolValue)
    }

    @Test("verify-full with sslrootcert connects over TLS to the host the certificate names", .enabled(if: available))
    func verifyFull() async throws {
        let (o, ssl) = try await run(["host": "localhost", "sslmode": "verify-full", "sslrootcert": Self.ca])
        #expect(o.summary.status == .done, "\(o.summary.error?.message ?? "")")
        #expect(ssl == true)
    }

    @Test("verify-full fails with a clear message when the host name is not in the certificate", .enabled(if: available))
    func verifyFullWrongHost() async throws {
        let (o, _) = try await run(["host": "127.0.0.1", "sslmode": "verify-full", "sslrootcert": Self.ca])
        #expect(o.summary.status == .failed)
        let message = o.summary.error?.message ?? ""
        #expect(message.contains("is for another host") && message.contains("127.0.0.1"), "\(message)")
        #expect(o.summary.error?.retryable == false)
    }

    @Test("verify-ca checks the chain but not the host name", .enabled(if: available))
    func verifyCA() async throws {
        let (o, ssl) = try await run(["host": "127.0.0.1", "sslmode": "verify-ca", "sslrootcert": Self.ca])
        #expect(o.summary.status == .done, "\(o.summary.error?.message ?? "")")
        #expect(ssl == true)
    }

    @Test("verify-ca without the test CA says the certificate is not trusted", .enabled(if: available))
    func untrusted() async throws {
        let (o, _) = try await run(["host": "localhost", "sslmode": "verify-ca"])
        #expect(o.summary.status == .failed)
        #expect(o.summary.error?.message.contains("not trusted") == true, "\(o.summary.error?.message ?? "")")
    }

    @Test(
        "require encrypts without a root certificate; disable does not use TLS", .enabled(if: available),
        arguments: [("require", true), ("prefer", true), ("disable", false)])
    func requireAndDisable(_ mode: String, _ encrypted: Bool) async throws {
        let (o, ssl) = try await run(["sslmode": mode])
        #expect(o.summary.status == .done, "\(o.summary.error?.message ?? "")")
        #expect(ssl == encrypted)
    }

    @Test("an sslrootcert that does not exist is a config error naming the file")
    func missingRootCert() async throws {
        var p = ["database": "d", "user": "u", "sslmode": "verify-full", "sslrootcert": "/nonexistent/root.crt"]
        p["host"] = "127.0.0.1"
        let input = SourceInput(type: "postgres", params: p.mapValues { .string($0) })
        let e = try #require(throws: PanoplyError.self) { try PostgresSettings(input) }
        #expect(e.message.contains("/nonexistent/root.crt"))
    }
}
