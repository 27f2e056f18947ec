import PanoplyKit

/// Number, time and size formatting for the screens, logs and history (no locale: frames
/// must be stable).
package enum Format {
    /// `12,345`
    package static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `1.2 MB`
    package static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = Double(n)
        var u = 0
        while v >= 1000, u < units.count - 1 {
            v /= 1000
            u += 1
        }
        return u == 0 ? "\(n) B" : "\(fixed(v, v < 10 ? 1 : 0)) \(units[u])"
    }

    /// `mm:ss`, or `h:mm:ss` past an hour.
    /// `hh:mm:ss` of a time of day given in seconds since midnight (wrapping at 24 h).
    package static func timeOfDay(_ seconds: Double) -> String {
        let t = (Int(seconds.rounded(.down)) % 86_400 + 86_400) % 86_400
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(t / 3600)):\(two(t / 60 % 60)):\(two(t % 60))"
    }

    package static func clock(_ seconds: Double) -> String {
        let t = Int(seconds.rounded(.down))
        let h = t / 3600, m = t / 60 % 60, s = t % 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(two(m)):\(two(s))"
    }

    /// `2.5s`
    package static func seconds(_ s: Double) -> String { "\(fixed(s, s < 10 ? 1 : 0))s" }

    package static func duration(_ d: Duration) -> String {
        let c = d.components
        return seconds(Double(c.seconds) + Double(c.attoseconds) / 1e18)
    }

    /// `v` with `places` decimals.
    package static func fixed(_ v: Double, _ places: Int) -> String {
        guard v.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let r = (v * scale).rounded() / scale
        var s = String(Int(r.rounded(.towardZero)))
        if places > 0 {
            var frac = Int(((abs(r) - Double(Int(abs(r)))) * scale).rounded())
            if frac >= Int(scale) { frac = 0 }
            let f = String(frac)
            s += "." + String(repeating: "0", count: places - f.count) + f
            if r < 0, !s.hasPrefix("-") { s = "-" + s }
        }
        return s
    }

    /// `48.3%`, `100%`.
    package static func percent(_ fraction: Double) -> String {
        fraction >= 1 ? "100%" : "\(fixed(fraction * 100, 1))%"
    }

    /// A bar `width` cells wide with eighth-block resolution.
    package static func bar(_ fraction: Double, width: Int) -> (filled: String, empty: String) {
        let eighths = Int((max(0, min(1, fraction)) * Double(width * 8)).rounded(.down))
        let full = eighths / 8, part = eighths % 8
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let filled = String(repeating: "█", count: full) + partials[part]
        return (filled, String(repeating: " ", count: max(0, width - full - (part > 0 ? 1 : 0))))
    }
}
