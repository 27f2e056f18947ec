extension Format {
    /// `2026-12-01 22:31:05` (or without seconds) of a Unix time, shifted by `utcOffset`
    /// seconds to local time. Pure: the offset is given, not read.
    package static func dateTime(_ unix: Double, utcOffset: Int, seconds: Bool = true) -> String {
        let t = Int((unix + Double(utcOffset)).rounded(.down))
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let (y, m, d) = civil(days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let time = timeOfDay(Double(t - days * 86_400))
        return "\(y)-\(two(m))-\(two(d)) " + (seconds ? time : String(time.prefix(5)))
    }

    /// When a run started, as short as `now` allows: `today 09:00`, `12-01 09:00` this year,
    /// else `2025-12-01 09:00`.
    package static func when(_ unix: Double, now: Double, utcOffset: Int) -> String {
        let full = dateTime(unix, utcOffset: utcOffset, seconds: false)
        let today = dateTime(now, utcOffset: utcOffset, seconds: false)
        if full.prefix(10) == today.prefix(10) { return "today " + full.suffix(5) }
        if full.prefix(5) == today.prefix(5) { return String(full.dropFirst(5)) }
        return full
    }

    /// How long a run took: `2.5s`, `45s`, `1m05s`, `2h03m`.
    package static func span(_ seconds: Double) -> String {
        if seconds < 60 { return Self.seconds(seconds) }
        let s = Int(seconds)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return s < 3600 ? "\(s / 60)m\(two(s % 60))s" : "\(s / 3600)h\(two(s % 3600 / 60))m"
    }

    /// Year, month, day of a day number since 1970-01-01 (Howard Hinnant's algorithm).
    private static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
