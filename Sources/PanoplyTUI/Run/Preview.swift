import Foundation
import PanoplyKit

/// The first records of a source's resources with its field settings applied, read
/// without a destination, a state or a history: nothing is sent, committed or recorded.
/// `panoply preview` prints them; the UI's preview overlay shows them.
enum Preview {
    /// The records of one resource (`resource` nil for a source read as one).
    struct Resource: Sendable {
        var id: String?
        var records: [JSONObject]
    }

    /// The resources a preview reads: `picked` when given, else those the run would read
    /// (its picked resources, or every one the source offers when it reads all by default),
    /// else the source as one.
    /// - Returns: the input to read from and the ids (empty: the source read as one).
    static func plan(_ kind: SourceKind, input: SourceInput, picked: [String]) async throws -> (SourceInput, [String]) {
        var input = input
        input.state = nil
        let config = kind.configuration
        if !picked.isEmpty {
            guard let param = config.resourcesParam else {
                throw PanoplyError.config(
                    "\(kind.type) reads no resources to pick from (--resource goes with sources that have \(config.resourcesParam ?? "tables=, files=, streams="))"
                )
            }
            input.params[param] = .array(picked.map { .string($0) })
        } else if config.readsAllResourcesWhenNonePicked, let param = config.resourcesParam, (input.params[param].map { [$0] } ?? []).allSatisfy(\.isEmptyList)
        {
            let every = try await kind.values(param, source: input, context: SourceContext(input: input)).filter { !$0.disabled }.map(\.value)
            if !every.isEmpty { input.params[param] = .array(every.map { .string($0) }) }
        }
        return (input, ResourcePlan(configuration: config, input: input)?.ids ?? [])
    }

    /// Reads up to `limit` records of each of `ids` (or of the source as one) with the
    /// field settings of `input` applied; `__state` is left out.
    /// - Throws: what opening or reading a source throws.
    static func read(_ kind: SourceKind, input: SourceInput, ids: [String], limit: Int, log: @escaping @Sendable (String) -> Void) async throws -> [Resource] {
        guard let plan = ResourcePlan(configuration: kind.configuration, input: input), !ids.isEmpty else {
            return [Resource(id: nil, records: try await readOne(kind, input: input, resource: nil, limit: limit, log: log))]
        }
        var out: [Resource] = []
        for id in ids {
            let one = plan.input(for: id, base: input, runState: [:])
            out.append(Resource(id: id, records: try await readOne(kind, input: one, resource: id, limit: limit, log: log)))
        }
        return out
    }

    /// The first `limit` records of one instance.
    private static func readOne(
        _ kind: SourceKind, input: SourceInput, resource: String?, limit: Int, log: @escaping @Sendable (String) -> Void
    ) async throws -> [JSONObject] {
        let secrets = kind.configuration.params.filter(\.isSecret).map(\.name)
        let context = SourceContext(input: input, secrets: secrets) { event in
            if case .log(let line) = event { log(resource.map { "\($0): \(line)" } ?? line) }
        }
        let source = try await kind.open(source: input, context: context)
        var records: [JSONObject] = []
        var empties = 0
        do {
            while records.count < limit, empties < 1000 {
                try Task.checkCancellation()
                guard let batch = try await source.read(limit - records.count) else { break }
                empties = batch.isEmpty ? empties + 1 : 0
                records += batch.prefix(limit - records.count)
            }
        } catch {
            await source.close()
            throw error
        }
        await source.close()
        var fields = FieldsOfRecords(input.fields, resource: resource)
        return try records.enumerated().map { i, r in
            var r = r
            r["__state"] = nil
            try fields.apply(&r, first: i == 0, warn: log)
            return r
        }
    }
}

extension JSONValue {
    /// No value picked: null, an empty list, or blank text.
    fileprivate var isEmptyList: Bool {
        switch self {
        case .null: true
        case .array(let a): a.isEmpty
        case .string(let s): s.trimmingCharacters(in: .whitespaces).isEmpty
        default: false
        }
    }
}
