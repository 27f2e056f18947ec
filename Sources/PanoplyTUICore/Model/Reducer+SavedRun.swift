import PanoplyKit
import PanoplyWorkspace

extension AppState {
    /// The status a saved source's next run starts from: its last recorded run's (which
    /// may come from `panoply run --saved`), else the one saved with it.
    package func lastStatus(of name: String) -> RunStatus? {
        if let id = latestRun[name], let r = run(id), r.status != .running { return r.status }
        return lastRecord(of: name)?.status ?? saved.first { $0.name == name }?.lastStatus
    }

    /// The request that starts saved source `src` the way ``StartPlan`` says.
    package func plannedRun(
        _ src: SavedSource, params: [String: JSONValue], lastStatus: RunStatus?,
        fullRefresh: Bool = false, paramsChanged: Bool = false
    ) -> RunRequest {
        let incremental = typeInfo(src.type)?.incremental ?? false
        let resumes = StartPlan.resumes(
            lastStatus: lastStatus, incremental: incremental, fullRefresh: fullRefresh,
            paramsChanged: paramsChanged)
        var request = RunRequest(
            id: nextRunID, sourceName: src.name, type: src.type, params: params,
            table: src.table.isEmpty ? src.type : src.table, state: nil, attempt: 1, resumeFromFile: resumes)
        request.note =
            paramsChanged && lastStatus != nil
            ? "starting over (the params changed since the last run)"
            : StartPlan.note(resumes: resumes, lastStatus: lastStatus, fullRefresh: fullRefresh)
        return request
    }

    /// `F` on the list (``KeyCondition/selectionRefreshable`` holds): runs the selected saved
    /// source from scratch, once its params are valid.
    package mutating func fullRefreshSelected(_ entry: ListEntry) -> [Effect] {
        guard case .saved(let i) = entry else { return [] }
        let src = saved[i]
        guard let info = typeInfo(src.type) else {
            notice = "source type '\(src.type)' is not available in this build"
            return []
        }
        if let locked = src.lockedSecretsError {
            notice = locked.message
            return []
        }
        switch info.configuration.validateAllowingReferences(src.values) {
        case .failure(let errors):
            notice = "\(src.name): \(errors.description) (Enter opens its form)"
            return []
        case .success(let params):
            return startRun(plannedRun(src, params: params, lastStatus: lastStatus(of: src.name), fullRefresh: true), title: src.name)
        }
    }
}
