extension String {
    /// The text in `width` columns: whole when it fits, else its start and its end around
    /// "…" (a workspace's host and its schema both show in a narrow header).
    package func truncatedInMiddle(to width: Int) -> String {
        guard displayWidth > width else { return self }
        guard width > 2 else { return truncated(to: max(0, width)) }
        let tail = String(String(reversed()).truncated(to: (width + 1) / 2).dropLast().reversed())
        return truncated(to: width - tail.displayWidth).dropLast() + "…" + tail
    }
}
