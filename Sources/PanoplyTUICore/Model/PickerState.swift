import PanoplyKit

/// One value a list field's picker offers.
package struct PickerItem: Sendable, Equatable {
    /// What is stored in the field (`public.orders`).
    package var value: String
    /// What the user sees.
    package var name: String
    /// Unavailable: shown greyed, cannot be picked.
    package var disabled = false
    /// Values picked along with this one.
    package var requires: [String] = []
    /// A value the field held that the source does not list (any more): kept while picked.
    package var missing = false

    package init(value: String, name: String? = nil, disabled: Bool = false, requires: [String] = [], missing: Bool = false) {
        self.value = value
        self.name = name ?? value
        self.disabled = disabled
        self.requires = requires
        self.missing = missing
    }

    package init(_ v: ListValue) {
        self.init(value: v.value, name: v.name, disabled: v.disabled, requires: v.requires)
    }
}

/// Where the picker's values stand.
package enum PickerLoad: Sendable, Equatable {
    /// Being computed by the source (``Effect/loadValues(_:)`` with this request id).
    case loading(Int)
    case loaded
    /// The source could not compute them; the message says why.
    case failed(String)
}

/// What the app needs to compute a list param's values: the source type and its filled-in
/// params (at least the list's dependencies).
package struct ValuesRequest: Sendable, Equatable {
    /// Matches the answer (``AppEvent/valuesLoaded(requestID:values:resources:)``) to the request.
    package var id: Int
    package var type: String
    package var param: String
    package var params: [String: JSONValue]

    package init(id: Int, type: String, param: String, params: [String: JSONValue]) {
        self.id = id
        self.type = type
        self.param = param
        self.params = params
    }
}

/// The picker over a form's `list` field: its values with checkboxes, a filter, and the
/// fields of the resource under the cursor.
package struct PickerState: Sendable, Equatable {
    /// The list field's param name and title.
    package var field: String
    package var title: String
    package var load: PickerLoad
    package var items: [PickerItem] = []
    /// The picked values.
    package var picked: Set<String>
    /// Resources by id, for the side pane (empty when the source lists none).
    package var resources: [String: SourceResource] = [:]
    /// Index into ``shown``.
    package var cursor = 0
    package var filter = ""
    package var editingFilter = false
    /// A note of the moment (why an item cannot be picked, what was picked along).
    package var message: String?
    /// When loading began (the spinner turns with ticks from it).
    package var loadStartedAt: Double = 0
    /// How the values are (re)loaded; nil for static choices.
    package var request: ValuesRequest?
    /// The values are the source's resources (its ``SourceConfiguration/resourcesParam``):
    /// their fields can be set (Tab) and previewed (`p`).
    package var holdsResources = false
    /// The form's field settings, edited in the fields pane; Enter keeps them with the
    /// picks, Esc leaves both as they were.
    package var settings = FieldSettings()
    /// The fields pane of a resource (Tab), nil while the list has the focus.
    package var fieldsPane: FieldsPane?

    package init(field: String, title: String, load: PickerLoad, picked: [String]) {
        self.field = field
        self.title = title
        self.load = load
        self.picked = Set(picked)
        // Until the values arrive, the field's values are what there is.
        items = picked.map { PickerItem(value: $0) }
    }

    package var hasFailed: Bool {
        if case .failed = load { return true }
        return false
    }

    /// Indices of the items the filter lets through (all without a filter).
    package var shown: [Int] {
        guard !filter.isEmpty else { return Array(items.indices) }
        return items.indices.filter { items[$0].name.localizedCaseInsensitiveContains(filter) || items[$0].value.localizedCaseInsensitiveContains(filter) }
    }

    /// The item under the cursor.
    package var current: PickerItem? {
        let s = shown
        return s.indices.contains(cursor) ? items[s[cursor]] : nil
    }

    /// The picked values in list order: what Enter writes into the field.
    package var pickedValues: [String] { items.map(\.value).filter { picked.contains($0) } }

    /// Takes the loaded values in natural order of their names (`t2` before `t10`), or as
    /// given (`keepOrder`: a param's static choices); picked values the source does not
    /// list stay, marked missing, at the end.
    package mutating func take(_ values: [ListValue], resources: [SourceResource], keepOrder: Bool = false) {
        let listed = Set(values.map(\.value))
        let kept = pickedValues.filter { !listed.contains($0) }
        let given = values.map(PickerItem.init)
        // By name, then value: names that differ only in case or leading zeros stay apart.
        let loaded = keepOrder ? given : NaturalOrder.sorted(given) { $0.name + "\u{0}" + $0.value }
        items = loaded + kept.map { PickerItem(value: $0, missing: true) }
        self.resources = Dictionary(resources.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        load = .loaded
        cursor = 0
    }

    /// Space: picks the item under the cursor (with what it requires) or unpicks it.
    package mutating func toggleCurrent() {
        guard let item = current else { return }
        if picked.contains(item.value) {
            picked.remove(item.value)
            message = nil
        } else if item.disabled {
            message = "\(item.name) is not available"
        } else {
            let along = pick([item.value])
            message = along.isEmpty ? nil : "also picked (required): \(along.joined(separator: ", "))"
        }
    }

    /// `a`: picks every shown item that can be picked, or unpicks them all when all are.
    package mutating func toggleAll() {
        let values = shown.map { items[$0] }.filter { !$0.disabled }.map(\.value)
        if !values.isEmpty, values.allSatisfy(picked.contains) {
            picked.subtract(values)
            message = nil
        } else {
            let along = pick(values)
            message = along.isEmpty ? nil : "also picked (required): \(along.joined(separator: ", "))"
        }
    }

    /// Picks `values` and, transitively, what they require (when listed and available).
    /// - Returns: the required values picked along that were not asked for.
    private mutating func pick(_ values: [String]) -> [String] {
        let byValue = Dictionary(items.map { ($0.value, $0) }, uniquingKeysWith: { a, _ in a })
        var queue = values
        var along: [String] = []
        let asked = Set(values)
        while let v = queue.popLast() {
            guard !picked.contains(v), let item = byValue[v], !item.disabled else { continue }
            picked.insert(v)
            if !asked.contains(v) { along.append(v) }
            queue += item.requires
        }
        return along.sorted()
    }

    /// Moves the cursor by `step` within the shown items (clamped).
    package mutating func move(by step: Int) {
        let count = shown.count
        cursor = count == 0 ? 0 : max(0, min(count - 1, cursor + step))
    }

    /// The filter text changed: the cursor goes to the first match.
    package mutating func setFilter(_ text: String) {
        filter = text
        cursor = 0
    }

    /// Clears the filter, keeping the cursor on the item it was on.
    package mutating func clearFilter() {
        let index = shown.indices.contains(cursor) ? shown[cursor] : 0
        filter = ""
        editingFilter = false
        cursor = index
    }
}
