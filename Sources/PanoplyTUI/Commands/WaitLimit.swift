import ArgumentParser

/// `--wait[=SECONDS]`: how long to wait for another run of the source (no value: as long
/// as it takes).
struct WaitLimit: ExpressibleByArgument, Sendable, Equatable {
    /// nil: no limit.
    var duration: Duration?

    static let forever = "forever"

    init?(argument: String) {
        if argument == Self.forever {
            duration = nil
            return
        }
        guard let s = Double(argument), s.isFinite, s >= 0, s <= 86_400 * 365 else { return nil }
        duration = .milliseconds(Int64((s * 1000).rounded()))
    }

    /// The lease wait: `.seconds(1e9)` stands for no limit.
    var leaseWait: Duration { duration ?? .seconds(1_000_000_000) }

    /// The command line with a bare `--wait` written `--wait=forever` (ArgumentParser has
    /// no option whose value may be left out).
    static func expandingBareWait(_ args: [String]) -> [String] {
        var out: [String] = []
        var passthrough = false
        for a in args {
            if a == "--" { passthrough = true }
            out.append(!passthrough && a == "--wait" ? "--wait=\(forever)" : a)
        }
        return out
    }
}
