import Foundation
import PanoplyKit
import PanoplyTUICore

extension RunCoordinator {
    /// A form's field settings checked before its run (Ctrl-S, Ctrl-T): reserved keys and
    /// two renames to one name, and, where the source lists its resources' fields, fields
    /// the resources the run reads do not have. A source that lists none is checked at the
    /// first record instead (the runner warns).
    /// - Throws: ``PanoplyError`` (config) naming the resource, the unknown fields and those it has.
    nonisolated static func checkFields(_ settings: FieldSettings, kind: SourceKind, input: SourceInput) async throws {
        try settings.check()
        guard !settings.isEmpty else { return }
        let context = SourceContext(input: input, secrets: kind.configuration.params.filter(\.isSecret).map(\.name))
        guard var listed = try? await kind.listResources(input, context: context) else { return }
        if let plan = ResourcePlan(configuration: kind.configuration, input: input), !plan.ids.isEmpty {
            listed = listed.filter { plan.ids.contains($0.id) }
        }
        _ = try settings.validated(against: listed)
    }
}
