import PanoplyKit

/// A number of seconds given on the command line, checked against the range that makes
/// sense for it before it becomes a ``Duration`` (`Int64(1e300)` would trap).
package enum SecondsOption {
    package static let flushInterval: ClosedRange<Double> = 0.001...3600
    package static let shutdownTimeout: ClosedRange<Double> = 0.001...86400
    /// `--commit-interval`: 0 writes the state at every commit.
    package static let commitInterval: ClosedRange<Double> = 0...3600

    /// - Throws: ``PanoplyError`` (config) naming the option and its allowed range when
    ///   `seconds` is not a finite number in `range` (nan, inf, negative, huge).
    package static func duration(_ seconds: Double, option: String, in range: ClosedRange<Double>) throws -> Duration {
        guard seconds.isFinite, range.contains(seconds) else {
            throw PanoplyError.config(
                "\(option) must be a number of seconds from \(text(range.lowerBound)) to \(text(range.upperBound)) (got \(text(seconds)))")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private static func text(_ v: Double) -> String {
        v.isFinite && v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }
}
