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
        /// `to` kept its own destination (``replace`` was not given).
        package var keptDestination = false
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
        // A run going on there would commit its state over the copied one (each source's
        // state and history are then copied under its lease: one that starts meanwhile stops it).
        let running = clashes.filter(to.isRunning)
        if !running.isEmpty {
            let list = running.map { "'\($0)'" }.joined(separator: ", ")
            throw PanoplyError.config(
                "\(list) \(running.count == 1 ? "is" : "are") running in \(to.location): wait for the run to end, or cancel it, then copy again")
        }
        var copied: [SavedSource] = []
        for var source in incoming {
            source = try withheld(source, into: &summary)
            if let i = existing.firstIndex(where: { $0.name == source.name }) {
                source.id = existing[i].id ?? source.id
                existing[i] = source
            } else {
                // Its id under another name in `to` (a source renamed there since): a source
                // of its own here, never a silent rename and overwrite of that one.
                if let id = source.id, existing.contains(where: { $0.id == id }) { source.id = nil }
                existing.append(source)
            }
            copied.append(source)
        }
        let destination = try destinationToCopy(into: &summary)
        try to.saveSources(existing)
        for source in copied { try copyRuns(of: source.name, into: &summary) }
        summary.sources = copied.map(\.name)
        if let destination {
            try to.saveDestination(destination)
            summary.destination = true
        }
        try copyTypes(into: &summary)
        return summary
    }

    /// The source with its secret values left out (``SavedSource/withoutSecrets(secretParams:)``)
    /// when they are not to be copied, each named in the summary.
    /// - Throws: ``PanoplyError`` (config) when they are to be copied but are still sealed
    ///   (no workspace key): sealed text in a config folder would open nowhere.
    private func withheld(_ source: SavedSource, into summary: inout Summary) throws -> SavedSource {
        guard !keepSecrets else {
            if let locked = source.lockedSecretsError { throw locked }
            return source
        }
        let kept = source.withoutSecrets(secretParams: secretParams(source))
        var names = source.values.keys.filter { kept.values[$0] != source.values[$0] }
        names += (source.sealed ?? [:]).keys.filter { !names.contains($0) }
        if kept.fields?.hashSalt != source.fields?.hashSalt, !names.contains(SealedDocument.hashSaltKey) { names.append(SealedDocument.hashSaltKey) }
        for name in names.sorted() { summary.withheld.append("source '\(source.name)': \(name == SealedDocument.hashSaltKey ? "hash salt" : name)") }
        return kept
    }

    /// Copies the committed state and history of a source, holding its lease in `to` (taken
    /// once the source is saved there: it is keyed by the source's id).
    /// - Throws: ``PanoplyError`` (config) when a run of it started there since the check.
    private func copyRuns(of name: String, into summary: inout Summary) throws {
        let lease: Lease
        do { lease = try to.acquireLease(of: name, holder: .current(origin: "cli"), wait: nil) } catch let busy as LeaseBusy {
            throw PanoplyError.config(
                "\(busy.message) in \(to.location) (it started while copying): its state and history were not copied; copy again once it ends")
        }
        defer { lease.release() }
        try copyRuns(of: name, lease: lease, into: &summary)
    }

    private func copyRuns(of name: String, lease: Lease, into summary: inout Summary) throws {
        if var state = try from.loadState(of: name) {
            // Params a run saved in its state (refreshed tokens) are secrets too.
            if !keepSecrets, state[SavedParams.stateKey] != nil {
                state[SavedParams.stateKey] = nil
                summary.withheld.append("source '\(name)': the params saved in its state")
            }
            try to.stateStore(for: name, lease: lease).save(state)
            summary.states += 1
        } else if replace {
            try to.deleteState(of: name)
        }
        let runs = try from.history(of: name)
        if replace { try to.deleteHistory(of: name) }
        for record in runs { try to.appendHistory(record, to: name) }
        summary.runs += runs.count
    }

    /// The destination to write into `to` (its secrets left out unless kept), nil when there
    /// is none or `to` has one and ``replace`` was not given.
    /// - Throws: ``PanoplyError`` (config) when its secrets are to be copied but are sealed.
    private func destinationToCopy(into summary: inout Summary) throws -> DestinationSettings? {
        guard let destination = try from.loadDestination() else { return nil }
        guard try replace || to.loadDestination() == nil else {
            summary.keptDestination = true
            return nil
        }
        if keepSecrets {
            if let locked = destination.lockedSecretsError { throw locked }
            return destination
        }
        let kept = destination.withoutSecrets
        if kept.apiSecret != destination.apiSecret { summary.withheld.append("destination: apiSecret") }
        if kept.awsSecretAccessKey != destination.awsSecretAccessKey { summary.withheld.append("destination: awsSecretAccessKey") }
        for field in (destination.sealed ?? [:]).keys.sorted() { summary.withheld.append("destination: \(field)") }
        return kept
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
}
