/// Where the run view puts things; shared by the renderer and the reducer (scroll limits).
struct RunLayout: Sendable, Equatable {
    let width: Int
    let height: Int

    /// First row of the state and log boxes.
    var paneTop: Int { 6 }
    /// Rows of the boxes, borders included (the notice line and help bar stay below).
    var paneHeight: Int { max(3, height - 2 - paneTop) }
    /// Text rows inside a box.
    var paneRows: Int { paneHeight - 2 }
    var stateWidth: Int { max(24, width / 3) }
    var logX: Int { stateWidth }
    var logWidth: Int { width - stateWidth }
}
