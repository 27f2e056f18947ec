import PanoplyKit

/// One ``WebClient`` for the instances of a run that read its endpoints (``RunScope``), so
/// its keep-alive connections (and their TLS sessions) serve every endpoint of an origin,
/// not one each.
final class SharedWebClient: RunScoped {
    let client = WebClient()

    /// The run's client, or a new one for an instance on its own.
    static func of(_ context: SourceContext) throws -> WebClient {
        guard let scope = context.scope else { return WebClient() }
        return try scope.shared("http client") { SharedWebClient() }.client
    }

    /// Its connections close when the last instance lets the client go.
    func close() async {}
}
