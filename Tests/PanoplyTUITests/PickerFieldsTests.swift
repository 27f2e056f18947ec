import PanoplyWorkspace
import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

/// The shop's resources, with `public.customers` holding personal data (and a column named
/// like a reserved key, as a table may have).
var customerResources: [SourceResource] {
    ShopSource.resourceList.map { r in
        guard r.id == "public.customers" else { return r }
        var c = r
        c.fields = [
            SourceResource.Field(name: "id", type: "integer", mandatory: true),
            SourceResource.Field(name: "name", type: "text"),
            SourceResource.Field(name: "email", type: "text"),
            SourceResource.Field(name: "ssn", type: "text", available: false),
            SourceResource.Field(name: "fullname", type: "text"),
            SourceResource.Field(name: "__table", type: "text")
        ]
        return c
    }
}

/// The shop form's picker, loaded with ``customerResources``, the cursor on public.customers
/// (picked); `fields` are the form's field settings.
func customersPickerDriver(fields: FieldSettings? = nil, width: Int = 80, height: Int = 24) -> Driver {
    var d = shopFormDriver(tables: "public.customers", width: width, height: height)
    if var form = d.form {
        form.fieldSettings = fields
        form.markUnchanged()
        d.state.screen = .form(form)
    }
    d.keys(.enter)
    let id = d.picker?.request?.id ?? 0
    d.send(.valuesLoaded(requestID: id, values: ShopSource.valueList, resources: customerResources))
    d.keys(.down, .down)  // audit.log, public.big, public.customers
    return d
}

@Suite("The picker's fields pane")
struct PickerFieldsTests {
    @Test("Tab moves into the fields pane of the resource under the cursor; Tab and Esc go back to the list")
    func tabEntersAndLeaves() {
        var d = customersPickerDriver()
        #expect(d.picker?.current?.value == "public.customers")
        d.keys(.tab)
        #expect(d.picker?.fieldsPane == FieldsPane(resource: "public.customers"))
        #expect(d.state.keyScopes == [.pickerFields])
        d.keys(.down, .char("j"))
        #expect(d.picker?.paneField?.name == "email")
        d.keys(.tab)
        #expect(d.picker?.fieldsPane == nil)
        #expect(d.picker?.current?.value == "public.customers", "the list's cursor stayed")
        d.keys(.tab, .escape)
        #expect(d.picker?.fieldsPane == nil)
        #expect(d.picker != nil, "Esc in the pane goes back to the list, not out of the picker")
    }

    @Test("x toggles exclude, # toggles hash; each replaces the other, with a note")
    func excludeAndHash() {
        var d = customersPickerDriver()
        d.keys(.tab, .down, .down)  // email
        d.keys(.char("#"))
        #expect(d.picker?.settings.resources["public.customers"] == ResourceFields(hash: ["email"]))
        #expect(d.picker?.message == "email is sent hashed (SHA-256)")
        d.keys(.char("x"))
        #expect(d.picker?.settings.resources["public.customers"] == ResourceFields(exclude: ["email"]))
        #expect(d.picker?.message == "email is excluded: never sent (no longer hashed)")
        d.keys(.char("x"))
        #expect(d.picker?.settings.resources["public.customers"] == nil, "x again sends it again")
        d.keys(.down, .char("x"), .up, .char("#"))
        #expect(d.picker?.settings.resources["public.customers"] == ResourceFields(exclude: ["ssn"], hash: ["email"]))
        d.keys(.tab)
        #expect(d.picker?.fieldSettings(of: "public.customers").summary == "1 excluded, 1 hashed")
    }

    @Test("a reserved key cannot be excluded, hashed or renamed: the key says why and changes nothing")
    func reservedKeys() {
        var d = customersPickerDriver()
        d.keys(.tab, .char("G"))
        #expect(d.picker?.paneField?.name == "__table")
        for key in [Key.char("x"), .char("#"), .char("n")] {
            d.keys(key)
            #expect(d.picker?.message?.contains("'__table' is a key the runner sets") == true)
            #expect(d.picker?.settings.isEmpty == true)
            #expect(d.picker?.fieldsPane?.rename == nil)
        }
    }

    @Test("n renames in a modal: Enter takes the name, an empty one or its own puts it back, Esc keeps the old")
    func rename() {
        var d = customersPickerDriver()
        d.keys(.tab, .char("G"), .up)  // fullname
        d.keys(.char("n"))
        #expect(d.state.keyScopes == [.pickerFieldRename])
        #expect(d.picker?.fieldsPane?.rename == FieldRename(field: "fullname", text: "fullname"))
        d.keys(.ctrl("u"))
        d.type("name")
        d.keys(.enter)
        #expect(d.picker?.fieldsPane?.rename?.error == "another field is sent as 'name': choose another name")
        d.keys(.backspace, .backspace, .backspace, .backspace)
        d.type("__state")
        d.keys(.enter)
        #expect(d.picker?.fieldsPane?.rename?.error == "'__state' is a key the runner sets: choose another name")
        d.keys(.ctrl("u"))
        d.type("full_name")
        d.keys(.enter)
        #expect(d.picker?.fieldsPane?.rename == nil)
        #expect(d.picker?.settings.resources["public.customers"]?.rename == ["fullname": "full_name"])
        d.keys(.char("n"), .char("x"), .escape)
        #expect(d.picker?.settings.resources["public.customers"]?.rename == ["fullname": "full_name"], "Esc kept the name")
        d.keys(.char("n"), .ctrl("u"), .enter)
        #expect(d.picker?.settings.resources["public.customers"] == nil, "an empty name puts the field's own back")
    }

    @Test("a field renamed away frees its name for another; an excluded field cannot be renamed")
    func renameAroundOthers() {
        var d = customersPickerDriver()
        d.keys(.tab, .down, .char("x"))  // name excluded
        d.keys(.char("n"))
        #expect(d.picker?.fieldsPane?.rename == nil)
        #expect(d.picker?.message == "name is excluded, so never sent: x sends it again before renaming")
        d.keys(.char("G"), .up, .char("n"), .ctrl("u"))
        d.type("name")
        d.keys(.enter)
        #expect(d.picker?.settings.resources["public.customers"] == ResourceFields(exclude: ["name"], rename: ["fullname": "name"]))
    }

    @Test("Enter keeps the picks and the field settings in the form; Esc leaves both as they were")
    func enterKeepsEscapeLeaves() {
        var d = customersPickerDriver()
        d.keys(.tab, .down, .down, .char("#"), .down, .char("x"), .tab)
        d.keys(.escape)
        #expect(d.picker == nil)
        #expect(d.form?.fieldSettings == nil)
        d = customersPickerDriver()
        d.keys(.tab, .down, .down, .char("#"), .down, .char("x"), .tab, .enter)
        #expect(d.form?.fieldSettings == FieldSettings(resources: ["public.customers": ResourceFields(exclude: ["ssn"], hash: ["email"])]))
        #expect(d.form?.isChanged == true, "Esc on the form now asks before discarding them")
    }

    @Test("Enter keeps only the settings of picked resources, and the salt")
    func settingsOfUnpickedResourcesAreDropped() {
        var d = customersPickerDriver(fields: FieldSettings(resources: ["public.orders": ResourceFields(exclude: ["name"])], hashSalt: "${SALT}"))
        d.keys(.tab, .down, .char("x"), .tab, .enter)
        #expect(d.form?.fieldSettings == FieldSettings(resources: ["public.customers": ResourceFields(exclude: ["name"])], hashSalt: "${SALT}"))
    }

    @Test("Ctrl-S saves the source with the form's field settings, and its run shows them; reopened, the form has them")
    func ctrlSSavesThem() {
        var d = customersPickerDriver()
        d.keys(.tab, .down, .down, .char("#"), .down, .char("x"), .tab, .enter)
        let fx = d.keys(.ctrl("s"))
        let expected = FieldSettings(resources: ["public.customers": ResourceFields(exclude: ["ssn"], hash: ["email"])])
        #expect(d.state.saved.first?.fields == expected)
        #expect(fx.contains { if case .saveSources(let s) = $0 { s.first?.fields == expected } else { false } })
        #expect(d.run?.fields == expected)
        d.send(
            .run(1, .resource(ResourceProgress(id: "public.customers", status: .done, loaded: 3, total: 3))),
            .run(1, .completed(RunSummary(status: .done, recordsRead: 3, counters: SDKCounters(), seconds: 1, state: [:]))))
        let record = d.state.history["Shop DB"]?.last
        #expect(record?.fields == expected)
        d.keys(.escape)
        d.state.selection = 0
        d.keys(.enter)
        #expect(d.form?.fieldSettings == expected)
        #expect(d.form?.isChanged == false)
    }

    @Test("Tab on a resource without known fields, or on a list that is not the resources, says why")
    func tabRefused() {
        var d = customersPickerDriver()
        d.keys(.up, .up)  // audit.log has fields; a value without a resource has none
        d.state.overlay = d.picker.map { p in
            var p = p
            p.resources["audit.log"] = nil
            return .picker(p)
        }
        d.keys(.tab)
        #expect(d.picker?.fieldsPane == nil)
        #expect(d.picker?.message == "the source lists no fields for audit.log: its fields are known only from its records")
    }
}
