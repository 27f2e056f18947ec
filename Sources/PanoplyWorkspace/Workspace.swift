import PanoplyKit

/// Where a team's saved sources, destination, committed state and run history live: the
/// one interface the UI and the headless commands use for them. The local config folder
/// (``FolderWorkspace``) is the first implementation; a shared one (a database) gives every
/// machine that opens it the same sources, runs and history.
///
/// Every method reads or writes at once (no caching); each throws ``PanoplyError`` (config)
/// with a message that names the place and what to fix when something there cannot be read.
package protocol Workspace: Sendable {
    /// Names the workspace for people (in the UI's header and in messages): a folder's path.
    var location: String { get }

    /// The saved sources, in the order they were saved; none when nothing was saved.
    func loadSources() throws -> [SavedSource]
    func saveSources(_ sources: [SavedSource]) throws

    /// The saved destination; nil when none was saved.
    func loadDestination() throws -> DestinationSettings?
    func saveDestination(_ destination: DestinationSettings) throws
    /// A destination was saved (it then wins over a source's own outbox folder).
    var hasSavedDestination: Bool { get }

    /// The source types added with `panoply sources add`.
    func loadAddedTypes() throws -> [AddedSourceType]
    func saveAddedTypes(_ types: [AddedSourceType]) throws

    /// Where the runner keeps the committed state of a saved source's runs. A store that
    /// fences its commits checks `lease` (the run's) on each save and throws ``LostLease``
    /// once another run took the source; nil for a store used outside a run (a check).
    func stateStore(for name: String, lease: Lease?) -> any StateStore
    /// The committed state of a saved source's runs, nil when there is none.
    func loadState(of name: String) throws -> JSONObject?
    /// Makes a source's next run start over: only the params it saved in its state stay.
    func resetState(of name: String) throws
    func deleteState(of name: String) throws
    func renameState(from old: String, to new: String) throws

    /// The recorded runs of a source, oldest first.
    func history(of name: String) throws -> [RunRecord]
    /// The histories of `names` that can be read, and a note for each that cannot.
    func histories(of names: [String]) -> (history: [String: [RunRecord]], problems: [String])
    /// The last recorded run of each of `names` that has one and can be read, and a note for
    /// each that cannot: what `list` and `status` show, without reading whole histories.
    func lastRuns(of names: [String]) -> (last: [String: RunRecord], problems: [String])
    /// Adds a finished run to a source's history (keeping the newest ``RunRecord/keptRuns``).
    func appendHistory(_ record: RunRecord, to name: String) throws
    func deleteHistory(of name: String) throws
    func renameHistory(from old: String, to new: String) throws

    /// Takes the lease of a source's runs: one run of a source at a time, across processes.
    /// - Parameter wait: how long to wait for a run that holds it (nil: not at all).
    /// - Throws: ``LeaseBusy`` naming who holds it.
    func acquireLease(of name: String, holder: LeaseHolder, wait: Duration?) throws -> Lease
    /// Whether a run of the source holds its lease now.
    func isRunning(_ name: String) -> Bool
    /// Replaces the live snapshot of a run (only its lease holder calls this).
    func publish(_ snapshot: RunSnapshot) throws
    /// The last snapshot of a source's run, nil when none is kept.
    func snapshot(of name: String) -> RunSnapshot?
    /// The kept snapshots of the sources named `names`, each with whether its lease is held
    /// now (``isRunning(_:)``): one read in a shared workspace, for those who look at every
    /// source at once (the UI's watcher, `status`). None when they cannot be read.
    func snapshots(of names: [String]) -> [String: (snapshot: RunSnapshot, running: Bool)]
    /// Removes a source's snapshot and cancel request (its run ended and was recorded).
    func clearSnapshot(of name: String)
    /// Asks the run of a source to cancel; `who` says who asked (`cli on host-b`).
    func requestCancel(of name: String, by who: String) throws
    /// Who asked the run of a source to cancel, nil when nobody did.
    func cancelRequest(of name: String) -> String?
    /// Changes whenever a lease, snapshot or cancel request changes (a cheap check before
    /// reading snapshots).
    var runsVersion: String { get }
}
