import PanoplyKit
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// Line editing in text fields: the cursor, the keys that move it, and what they edit.
@Suite struct FormLineEditingTests {
    /// The demo form with "abcdef" typed into Rows (the cursor at the end).
    func typed(_ text: String = "abcdef") -> Driver {
        var d = Driver()
        d.keys(.enter)
        d.type(text)
        return d
    }

    @Test func arrowsMoveTheCursorAndTypingInsertsAtIt() {
        var d = typed("1000")
        #expect(d.form?.cursorOffset == 4)
        d.keys(.left, .left)
        #expect(d.form?.cursorOffset == 2)
        d.type("5")
        #expect(d.form?.value("rows") == "10500")
        #expect(d.form?.cursorOffset == 3)
        d.keys(.right)
        #expect(d.form?.cursorOffset == 4)
    }

    @Test func theCursorStopsAtBothEnds() {
        var d = typed("ab")
        d.keys(.right)
        #expect(d.form?.cursorOffset == 2)
        d.keys(.left, .left, .left, .left)
        #expect(d.form?.cursorOffset == 0)
        d.type("x")
        #expect(d.form?.value("rows") == "xab")
    }

    @Test(arguments: [Key.home, .ctrl("a")])
    func homeAndCtrlAJumpToTheStart(key: Key) {
        var d = typed()
        d.keys(key)
        #expect(d.form?.cursorOffset == 0)
        d.type(">")
        #expect(d.form?.value("rows") == ">abcdef")
    }

    @Test(arguments: [Key.end, .ctrl("e")])
    func endAndCtrlEJumpToTheEnd(key: Key) {
        var d = typed()
        d.keys(.home, .right, key)
        #expect(d.form?.cursorOffset == 6)
        d.type("<")
        #expect(d.form?.value("rows") == "abcdef<")
    }

    @Test func backspaceDeletesBeforeTheCursor() {
        var d = typed()
        d.keys(.left, .left, .backspace)
        #expect(d.form?.value("rows") == "abcef")
        #expect(d.form?.cursorOffset == 3)
        d.keys(.home, .backspace)
        #expect(d.form?.value("rows") == "abcef")
        #expect(d.form?.cursorOffset == 0)
    }

    @Test(arguments: [Key.delete, .ctrl("d")])
    func deleteAndCtrlDDeleteAtTheCursor(key: Key) {
        var d = typed()
        d.keys(.home, .right, key)
        #expect(d.form?.value("rows") == "acdef")
        #expect(d.form?.cursorOffset == 1)
        d.keys(.end, key)
        #expect(d.form?.value("rows") == "acdef")
    }

    @Test func ctrlUClearsToTheStartAndCtrlKToTheEnd() {
        var d = typed()
        d.keys(.left, .left, .ctrl("k"))
        #expect(d.form?.value("rows") == "abcd")
        #expect(d.form?.cursorOffset == 4)
        d.keys(.left, .ctrl("u"))
        #expect(d.form?.value("rows") == "d")
        #expect(d.form?.cursorOffset == 0)
    }

    @Test func editingAtTheCursorClearsTheFieldsError() {
        var d = typed("lots")
        d.keys(.ctrl("s"))
        #expect(d.form?.errors["rows"] != nil)
        d.keys(.home, .delete)
        #expect(d.form?.errors["rows"] == nil)
    }

    @Test func graphemeClustersAreNeverSplit() {
        // "ë" as e + combining diaeresis, a family emoji (ZWJ sequence), a flag, a skin tone.
        var d = typed("Zoe\u{308}👩‍👩‍👧🇩🇪👍🏽!")
        #expect(d.form?.value("rows").count == 7)
        d.keys(.left, .left, .backspace)
        #expect(d.form?.value("rows") == "Zoe\u{308}👩‍👩‍👧👍🏽!")
        d.keys(.left, .delete)
        #expect(d.form?.value("rows") == "Zoe\u{308}👍🏽!")
        d.keys(.left, .delete)
        #expect(d.form?.value("rows") == "Zo👍🏽!")
        #expect(d.form?.cursorOffset == 2)
    }

    @Test func aCombiningMarkTypedAfterALetterJoinsIt() {
        var d = typed("ab")
        d.keys(.left)
        d.type("\u{301}")
        #expect(d.form?.value("rows") == "a\u{301}b")
        #expect(d.form?.cursorOffset == 1)
        d.keys(.end)
        d.type("\u{301}")
        #expect(d.form?.value("rows") == "a\u{301}b\u{301}")
        #expect(d.form?.cursorOffset == 2)
    }

    @Test func pastedTextIsInsertedAtTheCursor() {
        var d = typed("hello world")
        d.keys(.home)
        for _ in 0..<6 { d.keys(.right) }
        // A paste arrives as one key per Character, as tmux's send-keys -l sends it.
        d.type("big 🌍 ")
        #expect(d.form?.value("rows") == "hello big 🌍 world")
        #expect(d.form?.cursorOffset == 12)
        var form = d.form!
        form.insertAtCursor("ë!")
        #expect(form.value("rows") == "hello big 🌍 ë!world")
        #expect(form.cursorOffset == 14)
    }

    @Test func movingToAnotherFieldPutsTheCursorAtItsEnd() {
        var d = typed()
        d.keys(.home, .tab)
        #expect(d.form?.cursor == nil)
        d.keys(.backTab)
        #expect(d.form?.cursorOffset == 6)
    }

    @Test func choiceFieldsStillCycleWithArrowsAndIgnoreEditingKeys() {
        var d = Driver()
        d.keys(.enter, .tab, .tab, .tab, .tab)
        #expect(d.form?.focused?.name == "fail_mode")
        d.keys(.home, .end, .delete, .ctrl("d"), .ctrl("k"), .ctrl("u"), .backspace)
        #expect(d.form?.value("fail_mode") == "retryable")
        d.keys(.right)
        #expect(d.form?.value("fail_mode") == "fatal")
        d.keys(.left)
        #expect(d.form?.value("fail_mode") == "retryable")
    }

    @Test func secretFieldsEditLikeTextFields() {
        var d = Driver()
        d.keys(.char("d"), .char(" "), .tab, .tab)
        #expect(d.form?.focused?.kind == .secret)
        d.type("sëcret")
        d.keys(.home, .delete, .end, .left, .backspace)
        #expect(d.form?.value("api_secret") == "ëcrt")
    }
}

/// How a focused text field shows its value and cursor.
@Suite struct FormCursorRenderTests {
    /// The focused input's cells (text, and which of them is the cursor) on the form row
    /// marked `›`: the cells in the focused field's colours, the cursor's included.
    func focusedInput(_ d: Driver, width: Int = 80, height: Int = 24) -> (text: String, cursor: Int?, caretAtEnd: Bool, width: Int) {
        let frame = render(d.state, width: width, height: height)
        guard let y = (0..<height).first(where: { frame[2, $0].char == "›" }) else { return ("", nil, false, 0) }
        var text = ""
        var cursor: Int?
        var caret = false
        var cells = 0
        for x in 0..<width where frame[x, y].style == .focusedField || frame[x, y].style == .cursor {
            cells += 1
            let cell = frame[x, y]
            if cell.isContinuation { continue }
            if cell.style == .cursor { cursor = text.count }
            if cell.char == "▏" { caret = true }
            text.append(cell.char)
        }
        return (text, cursor, caret, cells)
    }

    func rowsForm(_ value: String) -> Driver {
        var d = Driver()
        d.keys(.enter)
        d.type(value)
        return d
    }

    @Test func theCharacterUnderTheCursorIsHighlighted() {
        var d = rowsForm("abcdef")
        d.keys(.left, .left)
        let input = focusedInput(d)
        #expect(input.text.hasPrefix("abcdef "))
        #expect(input.cursor == 4)
        #expect(!input.caretAtEnd)
    }

    @Test func atTheEndTheCursorIsABarAfterTheText() {
        let input = focusedInput(rowsForm("abc"))
        #expect(input.text.hasPrefix("abc▏"))
        #expect(input.cursor == nil)
    }

    @Test func secretsShowOneBulletPerCharacterWithTheCursorInPlace() {
        var d = Driver()
        d.keys(.char("d"), .char(" "), .tab, .tab)
        d.type("Zoe\u{308}👍🏽🇩🇪x")
        d.keys(.left, .left)
        let input = focusedInput(d)
        #expect(input.text.hasPrefix("•••••• "))
        #expect(input.cursor == 4)
        #expect(!render(d.state, width: 80, height: 24).text.contains("Zo"))
    }

    /// For every cursor position in a long value, the cursor is inside the field and
    /// stands on the right Character.
    @Test(arguments: [String(repeating: "0123456789", count: 12), String(repeating: "ab漢字👍🏽e\u{301}", count: 12)])
    func longValuesScrollSoTheCursorIsAlwaysVisible(value: String) {
        var d = rowsForm(value)
        let chars = Array(value)
        var widths = Set<Int>()
        for k in stride(from: chars.count, through: 0, by: -1) {
            let input = focusedInput(d)
            widths.insert(input.width)
            if k == chars.count {
                #expect(input.caretAtEnd, "cursor at the end")
                #expect(input.text.hasPrefix("…"))
            } else {
                let at = input.cursor.map { Array(input.text)[$0] }
                #expect(at == chars[k], "cursor at \(k)")
            }
            d.keys(.left)
        }
        d.keys(.home)
        let start = focusedInput(d)
        #expect(start.text.hasPrefix(String(chars.prefix(8))))
        #expect(start.text.hasSuffix("…"))
        #expect(widths.count == 1, "the field keeps its width")
    }

    @Test func movingTheCursorInsideTheVisibleTextDoesNotScrollIt() {
        var d = rowsForm(String(repeating: "0123456789", count: 12))
        d.keys(.home)
        for _ in 0..<10 { d.keys(.right) }
        let before = focusedInput(d).text
        d.keys(.right, .right, .left)
        #expect(focusedInput(d).text == before)
    }

    @Test func theWindowKeepsTheCursorClearOfTheEllipses() {
        for cursor in 0...120 {
            let w = InputWindow(widths: Array(repeating: 1, count: 120), cursor: cursor, width: 40)
            #expect(w.first <= cursor && cursor + 1 <= w.end)
            #expect(w.moreLeft == (w.first > 0) && w.moreRight == (w.end < 121))
            #expect((w.moreLeft ? 1 : 0) + (w.end - w.first) + (w.moreRight ? 1 : 0) == 40)
        }
    }
}
