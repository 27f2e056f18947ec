import PanoplyKit

/// What the app needs to read the first records of a source (``Effect/preview(_:)``):
/// nothing is sent, committed or recorded.
package struct PreviewRequest: Sendable, Equatable {
    /// Matches the answer (``AppEvent/previewLoaded(requestID:records:)``) to the request.
    package var id: Int
    package var type: String
    package var params: [String: JSONValue]
    /// The resources to read; empty: those the params pick, else the source's first one.
    package var resources: [String]
    /// The field settings to apply (hashed values show hashed).
    package var fields: FieldSettings?
    /// Records per resource.
    package var limit: Int

    package init(id: Int, type: String, params: [String: JSONValue], resources: [String], fields: FieldSettings?, limit: Int = 20) {
        self.id = id
        self.type = type
        self.params = params
        self.resources = resources
        self.fields = fields
        self.limit = limit
    }
}

/// One record of a preview, with the resource it came from (nil for a source read as one).
package struct PreviewRecord: Sendable, Equatable {
    package var resource: String?
    package var values: JSONObject

    package init(resource: String?, values: JSONObject) {
        self.resource = resource
        self.values = values
    }
}

/// The preview overlay (`p` in the picker, Ctrl-P in a form): the first records as a
/// table, scrolled by columns (←/→) and rows (↑/↓).
package struct PreviewState: Sendable, Equatable {
    package var title: String
    /// Loading (the request id), loaded, or why it failed.
    package var load: PickerLoad
    /// When loading began (the spinner turns with ticks from it).
    package var startedAt: Double
    package var records: [PreviewRecord] = []
    /// The table's columns: `resource` first when the records are of several, then each
    /// key in the order met.
    package var columns: [String] = []
    /// Columns whose values are hashed (as named in the records, after a rename).
    package var hashed: Set<String> = []
    /// The first column and row shown.
    package var left = 0
    package var top = 0
    /// The field settings the preview applies (their hashed fields are marked).
    package var fields: FieldSettings?
    /// The picker the preview was opened from: Esc goes back to it.
    package var picker: PickerState?

    package init(title: String, load: PickerLoad, startedAt: Double, fields: FieldSettings?, picker: PickerState? = nil) {
        self.title = title
        self.load = load
        self.startedAt = startedAt
        self.fields = fields
        self.picker = picker
    }

    /// The column a preview of several resources starts with.
    package static let resourceColumn = "resource"

    /// Takes the records read: the columns in the order met, the hashed ones marked.
    package mutating func take(_ records: [PreviewRecord]) {
        self.records = records
        let resources = Set(records.map(\.resource))
        var columns = resources.count > 1 ? [Self.resourceColumn] : []
        var seen = Set(columns)
        for r in records {
            for k in r.values.keys where !seen.contains(k) {
                seen.insert(k)
                columns.append(k)
            }
        }
        self.columns = columns
        var hashed: Set<String> = []
        for id in resources {
            guard let f = fields?.fields(for: id) else { continue }
            for name in f.hash { hashed.insert(f.rename[name] ?? name) }
        }
        self.hashed = hashed
        load = .loaded
        left = 0
        top = 0
    }

    /// The text of one cell: a string as it is, anything else as compact JSON, on one line.
    package func cell(_ row: Int, _ column: String) -> String {
        let r = records[row]
        let value: JSONValue? = column == Self.resourceColumn && columns.first == Self.resourceColumn ? r.resource.map { .string($0) } : r.values[column]
        guard let value else { return "" }
        let text = value.stringValue ?? JSONWriter.string(value)
        return text.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\t", with: " ")
    }

    /// Scrolls the rows by `step`, keeping the last page full (`rows` shown at once).
    package mutating func scrollRows(by step: Int, rows: Int) {
        top = max(0, min(records.count - rows, top + step))
    }

    /// Scrolls the columns by `step` (the last column may become the first shown).
    package mutating func scrollColumns(by step: Int) {
        left = max(0, min(columns.count - 1, left + step))
    }
}
