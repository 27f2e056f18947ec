import PanoplyConnectors
import PanoplyWorkspace
import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

/// A state offering the given connector types (besides demo).
func makeState(with kinds: [any DataSource.Type], saved: [SavedSource] = []) -> AppState {
    var s = makeState(saved: saved)
    s.types += kinds.map { SourceTypeInfo(type: $0.type, configuration: $0.configuration, incremental: $0.incremental) }
    return s
}

/// Opens the form of the type at `typeIndex` of the list's "New source" section.
func openNewForm(_ d: inout Driver, typeIndex: Int) {
    d.state.selection = listIndex(d.state) { $0 == .type(typeIndex) }
    d.keys(.enter)
}

@Suite struct CheckReducerTests {
    func postgresForm(password: String = "wrong") -> Driver {
        var d = Driver(makeState(with: [PostgresSource.self]), passChecks: false)
        openNewForm(&d, typeIndex: 1)
        d.keys(.tab, .tab)
        d.type("app")
        d.keys(.tab)
        d.type("reader")
        d.keys(.tab)
        d.type(password)
        return d
    }

    @Test func ctrlTChecksInTheBackgroundAndShowsTheAuthErrorOnThePassword() {
        var d = postgresForm()
        let fx = d.keys(.ctrl("t"))
        guard case .checkSource(let request)? = fx.first else { Issue.record("\(fx)"); return }
        #expect(request.type == "postgres" && request.params["password"] == .string("wrong"))
        #expect(d.form?.check == FormCheck(id: request.id, thenStart: false))
        d.send(.checkFinished(request.id, PanoplyError(.auth, "password authentication failed for user 'reader'")))
        #expect(d.form?.check?.status == .failed("password authentication failed for user 'reader'", field: "password"))
        #expect(d.form?.errors["password"] != nil)
        #expect(d.form?.focused?.name == "password")
    }

    @Test func aPassingCheckShowsOkAndStartsNothing() {
        var d = postgresForm(password: "right")
        guard case .checkSource(let request)? = d.keys(.ctrl("t")).first else { Issue.record("no check"); return }
        let fx = d.send(.checkFinished(request.id, nil))
        #expect(fx.isEmpty)
        #expect(d.form?.check?.status == .ok)
        #expect(render(d.state, width: 80, height: 24).text.contains("✓ ok: the params are valid and the source is reachable"))
    }

    @Test func ctrlSWithAConfigErrorStaysInTheFormWithTheMessageOnItsField() {
        var d = postgresForm(password: "right")
        let fx = d.keys(.ctrl("s"))
        guard case .checkSource(let request)? = fx.first, fx.count == 1 else { Issue.record("\(fx)"); return }
        let after = d.send(.checkFinished(request.id, PanoplyError.config("give either a table or a query (not both, not neither)")))
        #expect(after.isEmpty)
        #expect(d.form != nil)
        #expect(d.form?.errors["table"] == "give either a table or a query (not both, not neither)")
        #expect(d.state.runs.isEmpty && d.state.saved.isEmpty)
    }

    @Test func ctrlSStartsTheRunWhenTheCheckPassesOrFailsInAWayARetryMayFix() {
        for error in [nil, PanoplyError(.transient, "connection refused")] {
            var d = postgresForm(password: "right")
            guard case .checkSource(let request)? = d.keys(.ctrl("s")).first else { Issue.record("no check"); return }
            let fx = d.send(.checkFinished(request.id, error))
            #expect(
                fx.contains {
                    if case .startRun = $0 { return true }; return false
                })
            #expect(d.runID == 1)
        }
    }

    @Test func aStaleCheckAnswerIsIgnored() {
        var d = postgresForm()
        guard case .checkSource(let request)? = d.keys(.ctrl("t")).first else { Issue.record("no check"); return }
        d.keys(.escape, .char("y"))
        #expect(d.send(.checkFinished(request.id, nil)).isEmpty)
        #expect(d.state.screen == .list)
    }

    @Test func eAfterAnAuthFailureOpensTheFormWithThePasswordMarkedAndRRefuses() {
        var d = Driver(
            makeState(
                with: [PostgresSource.self],
                saved: [SavedSource(name: "DB", type: "postgres", values: ["database": "app", "user": "reader", "table": "orders"])]))
        d.keys(.enter, .ctrl("s"))
        d.send(.run(1, .failed(PanoplyError(.auth, "password authentication failed for user 'reader'"))))
        #expect(render(d.state, width: 80, height: 24).text.contains("· e edits the source"))
        #expect(d.keys(.char("r")).isEmpty)
        #expect(d.state.notice?.contains("e edits the source") == true)
        d.keys(.char("e"))
        #expect(d.form?.focused?.name == "password")
        #expect(d.form?.errors["password"] == "password authentication failed for user 'reader'")
    }

    /// A table that does not exist is not something a retry fixes: Ctrl-S stays in the form
    /// with the message on the table, and a run that failed with it offers e, not r.
    @Test func aTableThatDoesNotExistStaysInTheFormAndItsFailedRunOffersE() {
        let missing = "there is no table or view 'public.nosuch_table' in database app (list them with `panoply discover postgres`)"
        var d = postgresForm(password: "right")
        guard case .checkSource(let request)? = d.keys(.ctrl("s")).first else { Issue.record("no check"); return }
        #expect(d.send(.checkFinished(request.id, PanoplyError(.notFound, missing))).isEmpty)
        #expect(d.form?.check?.status == .failed(missing, field: "table"))
        #expect(d.form?.errors["table"] == missing)
        #expect(d.form?.focused?.name == "table")
        #expect(d.state.runs.isEmpty && d.state.saved.isEmpty)

        var saved = Driver(
            makeState(
                with: [PostgresSource.self],
                saved: [SavedSource(name: "DB", type: "postgres", values: ["database": "app", "user": "reader", "table": "nosuch_table"])]))
        saved.keys(.enter, .ctrl("s"))
        saved.send(.run(1, .failed(PanoplyError(.notFound, missing))))
        #expect(render(saved.state, width: 80, height: 24).text.contains("· e edits the source"))
        saved.keys(.char("e"))
        #expect(saved.form?.focused?.name == "table")
        #expect(saved.form?.errors["table"] == missing)
    }

    @Test func eAfterAnotherFailureSaysRRetries() {
        var d = runningDriver()
        d.send(.run(1, .failed(PanoplyError(.transient, "reset"))))
        d.keys(.char("e"))
        #expect(d.runID == 1)
        #expect(d.state.notice?.contains("r retries") == true)
    }
}

@Suite struct VisibleWhenTests {
    @Test func theHTTPFormShowsOAuthFieldsOnlyForOAuth2AndCursorFieldsOnlyForCursorPaging() {
        var d = Driver(makeState(with: [HTTPSource.self]))
        openNewForm(&d, typeIndex: 1)
        let names = { d.form?.fields.map(\.name) ?? [] }
        #expect(!names().contains("token_url") && !names().contains("cursor_param") && !names().contains("access_token"))
        let auth = names().firstIndex(of: "auth")!
        for _ in 0..<auth { d.keys(.tab) }
        d.keys(.char(" "), .char(" "))  // none -> bearer -> oauth2
        #expect(d.form?.value("auth") == "oauth2")
        #expect(names().contains("token_url") && names().contains("refresh_token") && names().contains("access_token"))
        #expect(d.form?.focused?.name == "auth")
        let paging = names().firstIndex(of: "pagination")!
        for _ in 0..<(auth - paging) { d.keys(.backTab) }
        d.keys(.char(" "), .char(" "))  // none -> page -> cursor
        #expect(names().contains("cursor_path") && !names().contains("page_param"))
    }

    @Test func hiddenFieldsAreNeitherValidatedNorSaved() {
        var d = Driver(makeState(with: [HTTPSource.self]))
        openNewForm(&d, typeIndex: 1)
        d.type("http://127.0.0.1:1/items")
        let auth = d.form!.fields.firstIndex { $0.name == "auth" }!
        for _ in 0..<auth { d.keys(.tab) }
        d.keys(.char(" "), .char(" "))  // oauth2
        let tokenURL = d.form!.fields.firstIndex { $0.name == "token_url" }!
        for _ in 0..<(tokenURL - auth) { d.keys(.tab) }
        d.type("https://auth.example.com/token")
        for _ in 0..<(tokenURL - auth) { d.keys(.backTab) }
        d.keys(.char(" "))  // back to none
        let fx = d.keys(.ctrl("s"))
        #expect(d.state.saved.first?.values["token_url"] == nil)
        guard case .startRun(let r)? = fx.last else { Issue.record("\(fx)"); return }
        #expect(r.params["token_url"] == nil && r.params["page_param"] == nil)
    }

    @Test func validateSkipsParamsThatDoNotApply() throws {
        let config = SourceConfiguration(
            title: "T",
            params: [
                SourceParam("auth", kind: .choice, default: "none", choices: ["none", "oauth2"]),
                SourceParam("token_url", required: true).visible(when: "auth", is: "oauth2"),
                SourceParam("tunnel", kind: .boolean, default: "false"),
                SourceParam("port", kind: .number).visible(when: "tunnel", is: "true")
            ])
        #expect(try config.validate(["token_url": "", "port": "x"]).get() == ["auth": "none", "tunnel": false])
        #expect(throws: ParamErrors.self) { try config.validate(["auth": "oauth2"]).get() }
        #expect(try config.validate(["tunnel": "yes", "port": "22"]).get()["port"] == 22)
    }
}

@Suite struct EnvReferenceTests {
    @Test func referencesExpandFromTheGivenEnvironmentAndTakeTheirParamsKind() throws {
        let config = PostgresSource.configuration
        let params: [String: JSONValue] = ["password": "${PG_PASS}", "port": "${PG_PORT}", "host": "db-${REGION}.internal"]
        let (out, secrets) = try EnvReference.resolve(params, config, env: ["PG_PASS": "hunter22", "PG_PORT": "6543", "REGION": "eu"])
        #expect(out["password"] == "hunter22" && out["port"] == 6543 && out["host"] == "db-eu.internal")
        #expect(Set(secrets) == ["hunter22", "6543"])
    }

    @Test func aMissingVariableIsAConfigErrorNamingIt() {
        #expect {
            _ = try EnvReference.resolve(["password": "${PG_PASS}"], PostgresSource.configuration, env: [:])
        } throws: { ($0 as? PanoplyError)?.category == .config && ($0 as? PanoplyError)?.message.contains("PG_PASS is not set") == true }
    }

    @Test func theFormKeepsTheReferenceAndValidatesItOnlyOnceExpanded() {
        var d = Driver(makeState())
        d.keys(.enter)
        d.type("${DEMO_ROWS}")
        let fx = d.keys(.ctrl("s"))
        #expect(d.state.saved.first?.values["rows"] == "${DEMO_ROWS}")
        guard case .startRun(let r)? = fx.last else { Issue.record("\(fx)"); return }
        #expect(r.params["rows"] == "${DEMO_ROWS}")
    }

    @Test func theRedactorMasksEveryStringOfAnEvent() {
        let r = Redactor(["hunter22"])
        #expect(r.text("login hunter22 failed") == "login **** failed")
        #expect(r.json(["a": ["hunter22x"]]) == ["a": ["****x"]])
        if case .failed(let e) = r.event(.failed(PanoplyError(.auth, "bad hunter22"))) { #expect(e.message == "bad ****") } else { Issue.record("not failed") }
        #expect(Redactor(["ab"]).text("ab") == "ab", "values shorter than 3 characters are not masked (they would mask everything)")
    }
}
