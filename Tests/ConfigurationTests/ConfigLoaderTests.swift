import Governance
import Testing
@testable import Configuration

/// The loader: defaults, a valid file, and each class of error with its position.
struct ConfigLoaderTests {
    let loader = ConfigLoader(home: "/home/op")

    /// The one diagnostic with `code`, failing the test if there is not exactly one.
    func only(_ code: ConfigDiagnostic.Code, in result: ConfigLoadResult) -> ConfigDiagnostic? {
        let matching = result.diagnostics.filter { $0.code == code }
        #expect(matching.count == 1, "expected one \(code), got \(result.diagnostics)")
        return matching.first
    }

    @Test func emptyFileGivesDefaultsFromPolicy() throws {
        for text in ["", "# only a comment\n", "---\n"] {
            let result = loader.load(text: text)
            let config = try #require(result.config)
            #expect(result.diagnostics.isEmpty)
            #expect(config.policy == Policy())
            #expect(config.store == StoreSettings())
            #expect(config.notifications == NotificationSettings())
            #expect(config.metrics == MetricsSettings())
            #expect(config.gateway == GatewaySettings())
        }
    }

    @Test func defaultMosesPathsAreTheFamilysUnderHome() throws {
        let config = try #require(loader.load(text: "").config)
        #expect(config.moses.ledgerPath == "/home/op/.openclaw/audits/moses/audit_ledger.jsonl")
        #expect(config.moses.statePath == "/home/op/.openclaw/governance/state.json")
        #expect(config.moses.appendsToLedger == false)
    }

    @Test func withoutHomeTheDefaultPathsAreAnError() {
        let result = ConfigLoader(home: nil).load(text: "")
        #expect(result.config == nil)
        #expect(result.errors.map(\.code) == [.unknownHome])
        let explicit = ConfigLoader(home: nil).load(text: """
            moses:
              ledger_path: /srv/ledger.jsonl
              state_path: /srv/state.json
            """)
        #expect(explicit.isValid)
    }

    @Test func validFileMapsOntoEverySetting() throws {
        let result = loader.load(text: """
            gateway:
              url: wss://gw.example:443/ws
              token_file: ~/token
              identity_path: /var/lib/x/id.json
            moses:
              ledger_path: /srv/oc/audit_ledger.jsonl
              state_path: /srv/oc/state.json
              ledger_append: true
            roles:
              Main: primary
              reviewer: Secondary
              auditor: observer
            sequence: [secondary, primary]
            audit:
              slack_ms: 100
              grace_ms: 0
              command_marker: moses_log.py
            rules:
              mutating_tools: [exec]
              outbound_tools: []
              confirmation_word: APPROVE
              repetition_threshold: 1
              drift_repeat_limit: 7
              conversation_idle_ms: 60000
              prohibited_patterns:
                creative:
                  - name: no-lorem
                    phrases: [Lorem Ipsum]
                high-security: []
            store:
              path: /tmp/a.db
              batch_rows: 10
              batch_ms: 5
              queue_capacity: 100
              overflow: drop
              retention_days: 30
              spool_dir: /tmp/spool
            notifications:
              webhook_url: https://hooks.example/abc?k=v
              exec_program: /usr/local/bin/notify
              suppression_window_ms: 0
            metrics:
              address: 127.0.0.1:9464
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.gateway == GatewaySettings(url: "wss://gw.example:443/ws", tokenFile: "/home/op/token", identityPath: "/var/lib/x/id.json"))
        #expect(config.moses == MosesSettings(ledgerPath: "/srv/oc/audit_ledger.jsonl", statePath: "/srv/oc/state.json", appendsToLedger: true))
        var policy = Policy(
            sequence: [.secondary, .primary],
            roles: ["main": .primary, "reviewer": .secondary, "auditor": .observer],
            auditSlackMs: 100, auditGraceMs: 0, auditCommandMarker: "moses_log.py",
            mutatingTools: ["exec"], outboundTools: [], confirmationWord: "APPROVE",
            repetitionThreshold: 1, driftRepeatLimit: 7, conversationIdleMs: 60_000
        )
        policy.prohibitedPatterns[.creative] = [ProhibitedPattern(name: "no-lorem", phrases: ["lorem ipsum"])]
        policy.prohibitedPatterns[.highSecurity] = []
        #expect(config.policy == policy)
        #expect(config.policy.role(ofAgent: "MAIN") == .primary)
        var store = StoreSettings()
        store.path = "/tmp/a.db"; store.batchRows = 10; store.batchMs = 5
        store.queueCapacity = 100; store.overflow = .drop; store.retentionDays = 30; store.spoolDir = "/tmp/spool"
        #expect(config.store == store)
        #expect(config.notifications == NotificationSettings(
            webhookURL: "https://hooks.example/abc?k=v", execProgram: "/usr/local/bin/notify", suppressionWindowMs: 0))
        #expect(config.metrics.address == "127.0.0.1:9464")
    }

    @Test func unknownKeyIsAnErrorWithItsLineAndASuggestion() throws {
        let result = loader.load(text: """
            store:
              batch_rows: 10
              batch_row: 10
            colour: blue
            """)
        #expect(result.config == nil)
        #expect(result.errors.count == 2)
        let typo = try #require(result.errors.first)
        #expect(typo.code == .unknownKey)
        #expect(typo.keyPath == "store.batch_row")
        #expect(typo.line == 3 && typo.column == 3)
        #expect(typo.reason.contains("did you mean \"batch_rows\""))
        #expect(result.errors[1].keyPath == "colour" && result.errors[1].line == 4)
    }

    @Test func wrongTypesAreErrorsWithTheirLines() {
        let result = loader.load(text: """
            store:
              batch_rows: "ten"
              overflow: [block]
            moses:
              ledger_append: maybe
            rules:
              repetition_threshold: high
              mutating_tools: exec
            gateway: ws://x
            """)
        #expect(result.config == nil)
        #expect(result.errors.map(\.code) == Array(repeating: .wrongType, count: 6))
        #expect(result.errors.map(\.line) == [2, 3, 5, 7, 8, 9])
        #expect(result.errors.map(\.keyPath) == [
            "store.batch_rows", "store.overflow", "moses.ledger_append",
            "rules.repetition_threshold", "rules.mutating_tools", "gateway",
        ])
    }

    @Test func outOfRangeValuesAreErrors() {
        let result = loader.load(text: """
            store:
              batch_rows: 0
              queue_capacity: -1
            rules:
              repetition_threshold: 1.01
              drift_repeat_limit: 0
            audit:
              grace_ms: 99999999999
            """)
        #expect(result.errors.map(\.code) == Array(repeating: .outOfRange, count: 5))
        #expect(result.errors.map(\.line) == [2, 3, 5, 6, 8])
    }

    /// YAML 1.1 reads `1:0:0:0:0:0:0:0:0:0:0:0` as a base-60 integer, and Yams's
    /// conversion of it overflowed (a trap) before the range check could see it.
    @Test func baseSixtyAndHugeNumbersAreRangeErrorsNotCrashes() {
        let result = loader.load(text: """
            store:
              batch_ms: 1:0:0:0:0:0:0:0:0:0:0:0
              batch_rows: 99999999999999999999999
            rules:
              repetition_threshold: 1:0:0:0:0:0:0:0:0:0:0:0.5
            audit:
              grace_ms: -9223372036854775809
            """)
        #expect(!result.isValid)
        #expect(result.errors.map(\.code) == Array(repeating: .outOfRange, count: 4))
        #expect(result.errors.map(\.line) == [2, 3, 5, 7])
    }

    /// Strikes are counted in one byte per rule: a drift limit the engine cannot reach is
    /// refused rather than silently never firing.
    @Test func aDriftLimitPastOneByteIsOutOfRange() {
        let result = loader.load(text: "rules:\n  drift_repeat_limit: 256\n")
        #expect(result.errors.map(\.code) == [.outOfRange])
        #expect(loader.load(text: "rules:\n  drift_repeat_limit: 255\n").isValid)
    }

    @Test func unknownRolesAndModesAreErrors() throws {
        let result = loader.load(text: """
            roles:
              main: leader
            sequence: [primary, boss]
            rules:
              prohibited_patterns:
                superhero: []
                High Security: []
            """)
        #expect(result.errors.map(\.code) == [.unknownRole, .unknownRole, .unknownMode])
        #expect(result.errors.map(\.line) == [2, 3, 6])
        #expect(result.errors[0].keyPath == "roles.main")
        #expect(result.errors[1].keyPath == "sequence[1]")
    }

    @Test func duplicateEntriesAreErrors() {
        let sequence = loader.load(text: "sequence: [primary, observer, primary]\n")
        #expect(sequence.errors.map(\.code) == [.duplicateEntry])
        let agents = loader.load(text: "roles:\n  Main: primary\n  main: observer\n")
        #expect(agents.errors.map(\.code) == [.duplicateKey])
        #expect(agents.errors.first?.line == 3)
        let keys = loader.load(text: "store:\n  batch_ms: 1\nstore:\n  batch_ms: 2\n")
        #expect(keys.errors.map(\.code) == [.duplicateKey])
        #expect(keys.errors.first?.line != nil)
    }

    @Test func inlineTokenIsRefusedWithoutEchoingIt() throws {
        let result = loader.load(text: """
            gateway:
              url: ws://127.0.0.1:18789
              token: s3cr3t-gateway-token
            """)
        let error = try #require(only(.inlineSecret, in: result))
        #expect(error.line == 3)
        #expect(error.reason.contains("token_file"))
        #expect(!result.diagnostics.contains { $0.description.contains("s3cr3t") })
        // A token typed in a string field's place is not quoted back either.
        let misplaced = loader.load(text: "store:\n  batch_rows: s3cr3t-gateway-token\n")
        #expect(!misplaced.diagnostics.contains { $0.description.contains("s3cr3t") })
    }

    @Test func badAddressesAndPathsAreErrors() {
        let result = loader.load(text: """
            gateway:
              url: http://127.0.0.1:18789
            notifications:
              webhook_url: ftp://x
              exec_program: notify.sh
            metrics:
              address: 127.0.0.1
            store:
              path: audit.db
            """)
        #expect(result.errors.map(\.code) == [.invalidAddress, .invalidAddress, .relativePath, .invalidAddress, .relativePath])
        #expect(result.errors.map(\.line) == [2, 4, 5, 7, 9])
    }

    @Test func syntaxErrorHasItsPosition() throws {
        let result = loader.load(text: "store:\n  batch_rows: [1, 2\n  batch_ms: 3\n")
        let error = try #require(result.errors.first)
        #expect(error.code == .syntax)
        #expect(error.line != nil)
        #expect(result.config == nil)
    }

    @Test func everyErrorIsGatheredNotJustTheFirst() {
        let result = loader.load(text: """
            gateway:
              url: nope
            store:
              overflow: sometimes
              batch_ms: 0
            sequence: [nobody]
            bogus: 1
            """)
        #expect(result.errors.count == 5)
        #expect(result.errors.map(\.line) == [2, 4, 5, 6, 7])
    }

    @Test func warningsDoNotInvalidate() throws {
        let result = loader.load(text: """
            metrics:
              address: 0.0.0.0:9464
            store:
              batch_rows: 500
              queue_capacity: 100
            rules:
              mutating_tools: [exec, exec]
            """)
        #expect(result.errors.isEmpty)
        #expect(result.warnings.count == 3)
        let config = try #require(result.config)
        #expect(config.metrics.address == "0.0.0.0:9464")
        #expect(config.policy.mutatingTools == ["exec"])
    }

    @Test func diagnosticDescriptionNamesPositionCodeKeyAndReason() {
        let diagnostic = ConfigDiagnostic(.error, .unknownKey, at: "store.x", line: 4, column: 3, "unknown key")
        #expect(diagnostic.description == "4:3: error[unknown-key] store.x: unknown key")
    }
}
