extension Character {
    /// Columns this character takes in a terminal, counted as ncurses and wcwidth count
    /// them: the sum over its code points, so the frames stay in step with the terminal.
    /// A letter with combining marks takes 1, a flag 2, an emoji with a skin tone 4 (the
    /// modifier counts as a second emoji), a ZWJ sequence the sum of its emoji.
    package var displayWidth: Int {
        let scalars = unicodeScalars
        if scalars.count == 1, let s = scalars.first { return s.displayWidth }
        return scalars.reduce(0) { $0 + $1.displayWidth }
    }
}

extension Unicode.Scalar {
    /// 2 for East Asian wide and emoji presentation code points, 0 for combining marks,
    /// format characters (ZWJ), Hangul medial vowels and controls, else 1.
    package var displayWidth: Int {
        let v = value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1160...0x11FF).contains(v) { return 0 }
        // Regional indicators: a flag is a pair of them, 2 columns.
        if (0x1F1E6...0x1F1FF).contains(v) { return 1 }
        if properties.isEmojiPresentation { return 2 }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}

extension String {
    /// Columns the string takes in a terminal.
    package var displayWidth: Int { reduce(0) { $0 + $1.displayWidth } }

    /// Cut to `width` columns, with `…` when something was cut.
    package func truncated(to width: Int) -> String {
        guard displayWidth > width else { return self }
        guard width > 1 else { return width == 1 ? "…" : "" }
        var out = ""
        var used = 0
        for ch in self {
            let w = ch.displayWidth
            if used + w > width - 1 { break }
            out.append(ch)
            used += w
        }
        return out + "…"
    }

    /// Padded with spaces (or truncated) to exactly `width` columns.
    package func padded(to width: Int) -> String {
        let t = truncated(to: width)
        return t + String(repeating: " ", count: max(0, width - t.displayWidth))
    }
}
