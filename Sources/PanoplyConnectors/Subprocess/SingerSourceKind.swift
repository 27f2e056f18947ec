import Foundation
import PanoplyKit

/// Builds the ``SourceKind`` of `singer:EXECUTABLE`: params from `--about` (else one JSON
/// config), the catalog's streams as resources and as the values of the `streams` list.
enum SingerSourceKind {
    /// - Throws: ``PanoplyError`` (config) when the tap is not found.
    static func kind(executable: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SourceKind {
        let tap = try SingerTap(executable, environment: environment)
        let about = tap.about()
        let settings = SingerSettings(about: about)
        let required = settings.params.filter(\.required).map(\.name)
        let streams = SourceParam(
            SingerSettings.streamsParam, title: "Streams", kind: .list,
            help: "The streams to read, by tap_stream_id (empty: the ones the catalog selects by default)",
            dependencies: required)
        let title = about?["name"]?.stringValue ?? executable
        let summary = about?["description"]?.stringValue.map { String($0.prefix(80)) } ?? "Singer tap \(executable)"
        let configuration = SourceConfiguration(title: title, icon: "", summary: summary, params: [streams] + settings.params)
        let catalog: @Sendable (SourceInput) throws -> SingerCatalog = { input in try tap.discover(config: try settings.config(input.params)) }
        return SourceKind(
            type: "singer:\(executable)", configuration: configuration,
            open: { input, context in try await SingerSource(tap: tap, settings: settings, about: about, source: input, context: context) },
            listResources: { input, _ in try catalog(input).resources },
            resource: { id, input, _ in
                let all = try catalog(input).resources
                guard let r = all.first(where: { $0.id == id }) else {
                    throw PanoplyError(.notFound, "singer:\(executable) has no stream '\(id)' (it has: \(all.map(\.id).joined(separator: ", ")))")
                }
                return r
            },
            values: { param, input, _ in
                // An array setting is a free list: no values to offer.
                guard param == SingerSettings.streamsParam else { return [] }
                return try catalog(input).values
            })
    }
}
