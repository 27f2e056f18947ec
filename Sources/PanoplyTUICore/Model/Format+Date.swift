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
