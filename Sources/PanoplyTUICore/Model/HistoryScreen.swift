/// The `h` screen: the past runs of one saved source, newest first; Enter shows one run.
package struct HistoryScreen: Sendable, Equatable {
    /// The saved source whose runs are shown.
    package var source: String
    /// The selected run, 0 being the newest.
    package var selection = 0
    /// Showing the selected run's summary and log tail instead of the table.
    package var detail = false

    package init(source: String, selection: Int = 0, detail: Bool = false) {
        self.source = source
        self.selection = selection
        self.detail = detail
    }
}
