import PanoplyKit

/// Copies a workspace's saved sources, destination, added types, committed state and run
/// history into another: `panoply workspace import` (a config folder into a team's
/// workspace) and `export` (back into a folder, the form a team keeps in git).
package struct WorkspaceTransfer {
    /// What a copy did, for its summary line.
    package struct Summary: Sendable, Equatable {
        package var sources: [String] = []
        package var states = 0
        package var runs = 0
        package var destination = false
        package var types = 0
        /// Secret values left out (an export without secrets): `source 'X': password`.
        package var withheld: [String] = []
    }

    package let from: any Workspace
    package let to: any Workspace
    /// Replace sources of the same name (and the destination) in `to`; without it such
    /// names are refused before anything is written.
    package var replace = false
    /// Names of the secret params of a source (its type's `secret` params); their values
    /// are left out unless ``keepSecrets``.
    package var secretParams: (SavedSource) -> Set<String> = { _ in [] }
    /// Copy secret values (an export `--with-secrets`; an import always keeps them).
    package var keepSecrets = true

    package init(from: any Workspace, to: any Workspace) {
        self.from = from
        self.to = to
    }

    /// Copies everything; names that exist in `to` are refused unless ``replace``.
    /// - Throws: ``PanoplyError`` (config) naming the clashing sources, or what could not
    ///   be read or written.
    package func run() throws -> Summary {
        var summary = Summary()
        let incoming = try from.loadSources()
        var existing = try to.loadSources()
        let clashes = incoming.map(\.name).filter { name in existing.contains { $0.name == name } }
        if !clashes.isEmpty, !replace {
            let list = clashes.map { "'\($0)'" }.joined(separator: ", ")
            throw PanoplyError.config("\(to.location) already has \(list): give --replace to overwrite, or rename them first")
        }
        var copied: [SavedSource] = []
        for var source in incoming {
            source = withheld(source, into: &summary)
            if let i = existing.firstIndex(where: { $0.name == source.name }) {
                source.id = existing[i].id ?? source.id
                existing[i] = source
            } else {
                existing.append(source)
            }
            copied.append(source)
        }
        try to.saveSources(existing)
        for source in copied { try copyRuns(of: source.name, into: &summary) }
        summary.sources = copied.map(\.name)
        try copyDestination(into: &summary)
        try copyTypes(into: &summary)
        return summary
    }

    /// The source with its secret values removed when they are not to be copied.
    private func withheld(_ source: SavedSource, into summary: inout Summary) -> SavedSource {
        guard !keepSecrets else { return source }
        var s = source
        for name in secretParams(source).sorted() {
            guard let v = s.values[name], !v.isEmpty, !Self.isReference(v) else { continue }
            s.values[name] = ""
            summary.withheld.append("source '\(source.name)': \(name)")
        }
        return s
    }

    private func copyRuns(of name: String, into summary: inout Summary) throws {
        if let state = try from.loadState(of: name) {
            try to.stateStore(for: name, lease: nil).save(state)
            summary.states += 1
        } else if replace {
            try to.deleteState(of: name)
        }
        let runs = try from.history(of: name)
        if replace { try to.deleteHistory(of: name) }
        for record in runs { try to.appendHistory(record, to: name) }
        summary.runs += runs.count
    }

    private func copyDestination(into summary: inout Summary) throws {
        guard var destination = try from.loadDestination() else { return }
        let current = try to.loadDestination()
        guard replace || current == nil else { return }
        if !keepSecrets {
            for (field, value) in [("apiSecret", destination.apiSecret), ("awsSecretAccessKey", destination.awsSecretAccessKey)] {
                guard let value, !value.isEmpty, !Self.isReference(value) else { continue }
                summary.withheld.append("destination: \(field)")
            }
            if !(destination.apiSecret.map(Self.isReference) ?? true) { destination.apiSecret = nil }
            if !(destination.awsSecretAccessKey.map(Self.isReference) ?? true) { destination.awsSecretAccessKey = nil }
        }
        try to.saveDestination(destination)
        summary.destination = true
    }

    private func copyTypes(into summary: inout Summary) throws {
        let incoming = try from.loadAddedTypes()
        guard !incoming.isEmpty else { return }
        var types = try to.loadAddedTypes()
        for t in incoming where !types.contains(where: { $0.type == t.type }) {
            types.append(t)
            summary.types += 1
        }
        try to.saveAddedTypes(types)
    }

    /// A value that is only a `${NAME}` reference: no secret in it, so it is always copied.
    static func isReference(_ value: String) -> Bool {
        let names = EnvReference.names(in: value)
        return names.count == 1 && value == "${\(names[0])}"
    }
}
