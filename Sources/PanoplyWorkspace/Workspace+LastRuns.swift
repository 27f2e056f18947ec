import PanoplyKit

extension Workspace {
    /// The last run of each history (a config folder reads each source's small history file).
    package func lastRuns(of names: [String]) -> (last: [String: RunRecord], problems: [String]) {
        let (history, problems) = histories(of: names)
        return (history.compactMapValues(\.last), problems)
    }
}
