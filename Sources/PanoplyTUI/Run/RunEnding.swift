import PanoplyKit

/// How a supervised run ended: the code its work returned (if it did), and whether its
/// records were delivered. ``RunSupervisor`` settles it once per run.
struct RunEnding: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// The work returned and the SDK closed (with or without a stop request).
        case finished
        /// The work ignored the stop request, then returned once its task was cancelled.
        case cancelledAfterGrace
        /// The supervisor stopped waiting: the work did not return, or the SDK did not close.
        case gaveUp
    }

    var kind: Kind
    /// The code the work returned (or the code a stopped work would end with, see
    /// ``RunSupervisor/start(_:sdk:closeTimeout:codeWhenStopped:stop:work:)``); nil when it never returned.
    var workCode: Int32?
    /// Why records stayed undelivered (the SDK's close failed or was cut short); nil when
    /// everything written was delivered.
    var undelivered: String?
    /// Why the supervisor gave up (a timeout, a second interrupt), nil when it did not.
    var reason: String?

    /// The process exit code: 3 when records stayed undelivered, else the work's code, else
    /// 1 (a run that did not end never exits 0).
    var code: Int32 {
        if undelivered != nil { return Exit.undelivered }
        return workCode ?? Exit.runFailed
    }

    /// The note a run that never returned leaves, nil otherwise.
    var didNotEndNote: String? {
        guard workCode == nil, undelivered == nil, let reason else { return nil }
        return "error: the run did not end (\(reason)); its records were delivered, but it may not have closed its source or saved its last state"
    }
}
