import Governance
import Testing
import TestSupport
@testable import AuditStore

/// What a restart reads from the store: the conversations judged shortly before the stop
/// (event time), where their cycles stood, and per session the last judged response.
@Suite struct JudgedActivityTests {
    static func response(_ agent: String, in conversation: String, run: String?, at: Int64) -> AuditRecord {
        .response(ResponseRecord(
            at: at, session: Fixtures.session(agent, conversation: conversation), role: Role(rawValue: agent),
            runID: run, textLength: 10, isAudited: false, source: .chatFinal))
    }

    static func conversation(_ name: String, lastSeen: Int64, position: String) -> AuditRecord {
        .conversation(ConversationRecord(
            conversation: name, firstSeen: lastSeen - 1_000, lastSeen: lastSeen, cyclePosition: position,
            responses: 1, toolCalls: 0, violations: 0))
    }

    /// A store with three conversations: two judged in the last hour before the last event,
    /// one two days earlier.
    func makeStore(in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("store.db")
        let database = try AuditDatabase.openWriter(path: path)
        let applier = AuditBatchApplier(database: database)
        let hour: Int64 = 3_600_000
        let now: Int64 = 1_767_225_600_000
        _ = try applier.apply([
            Self.response("primary", in: "discord:group:old", run: "run-old", at: now - 48 * hour),
            Self.conversation("discord:group:old", lastSeen: now - 48 * hour, position: "awaiting secondary"),
            Self.response("primary", in: "discord:group:a", run: "run-a1", at: now - hour),
            Self.response("secondary", in: "discord:group:a", run: "run-a2", at: now - hour + 10),
            Self.response("primary", in: "discord:group:a", run: "run-a3", at: now - 5),
            Self.conversation("discord:group:a", lastSeen: now - 5, position: "awaiting secondary"),
            Self.response("primary", in: "discord:group:b", run: nil, at: now),
            Self.conversation("discord:group:b", lastSeen: now, position: "awaiting observer"),
        ], recordedAt: 0)
        database.close()
        return path
    }

    @Test func readsTheActiveConversationsAndEachSessionsBoundary() throws {
        let directory = TemporaryDirectory()
        let reader = try AuditDatabase.openReader(path: try makeStore(in: directory))
        let activity = try JudgedActivity.read(from: reader, windowMs: 86_400_000, conversationLimit: 10, responseLimit: 1_000)
        #expect(activity.conversations.map(\.conversation) == ["discord:group:b", "discord:group:a"])
        #expect(activity.conversations.map(\.cyclePosition) == ["awaiting observer", "awaiting secondary"])
        #expect(activity.conversations.map(\.lastSeen) == [1_767_225_600_000, 1_767_225_599_995])
        #expect(activity.sessions.count == 3)
        let primaryA = try #require(activity.sessions["agent:primary:discord:group:a"])
        #expect(primaryA.lastResponseAt == 1_767_225_599_995)
        #expect(primaryA.runIDs == ["run-a1", "run-a3"])
        #expect(primaryA.conversation == "discord:group:a")
        #expect(activity.sessions["agent:secondary:discord:group:a"]?.runIDs == ["run-a2"])
        // A response with no run id gives a time boundary and no run.
        #expect(activity.sessions["agent:primary:discord:group:b"]?.runIDs == [])
        #expect(activity.sessions["agent:primary:discord:group:old"] == nil)
    }

    @Test func theLimitsKeepTheLatest() throws {
        let directory = TemporaryDirectory()
        let reader = try AuditDatabase.openReader(path: try makeStore(in: directory))
        let one = try JudgedActivity.read(from: reader, windowMs: 86_400_000 * 3, conversationLimit: 1, responseLimit: 1_000)
        #expect(one.conversations.map(\.conversation) == ["discord:group:b"])
        let all = try JudgedActivity.read(from: reader, windowMs: 86_400_000 * 3, conversationLimit: 10, responseLimit: 1_000)
        #expect(all.conversations.count == 3)
        // The store's two latest responses only: primary's last in a, not secondary's.
        let latest = try JudgedActivity.read(from: reader, windowMs: 86_400_000, conversationLimit: 10, responseLimit: 2)
        #expect(latest.conversations.count == 2)
        #expect(latest.sessions["agent:primary:discord:group:a"]?.runIDs == ["run-a3"])
        #expect(latest.sessions["agent:primary:discord:group:b"] != nil)
        #expect(latest.sessions["agent:secondary:discord:group:a"] == nil)
        #expect(try JudgedActivity.read(from: reader, windowMs: 0, conversationLimit: 0, responseLimit: 1) == JudgedActivity())
    }

    @Test func aNewStoreHasNothingActive() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        try AuditDatabase.openWriter(path: path).close()
        let activity = try JudgedActivity.read(
            from: try AuditDatabase.openReader(path: path), windowMs: 86_400_000, conversationLimit: 10, responseLimit: 1_000)
        #expect(activity == JudgedActivity())
    }

    /// The ledger resumes at the first line after the earliest judged response of the
    /// sessions re-read (their next answers may rest on it), else after the last line seen.
    @Test func theLedgerResumesAfterTheEarliestJudgedResponse() throws {
        let directory = TemporaryDirectory()
        let path = try makeStore(in: directory)
        func read() throws -> JudgedActivity {
            try JudgedActivity.read(
                from: try AuditDatabase.openReader(path: path), windowMs: 86_400_000, conversationLimit: 10, responseLimit: 1_000)
        }
        #expect(try read().ledgerResume == nil, "no ledger line seen yet: the tail starts at the end")
        let database = try AuditDatabase.openWriter(path: path)
        let applier = AuditBatchApplier(database: database)
        func entry(_ hash: String, after previous: String, at ts: Int64) -> AuditRecord {
            .ledgerEntry(LedgerEntry(
                agent: "primary", action: "respond", timestamp: ts, hash: hash, previousHash: previous, computedHash: hash))
        }
        // Secondary's answer in a is the earliest boundary (now - 1 h + 10 ms).
        let hour: Int64 = 3_600_000, now: Int64 = 1_767_225_600_000
        _ = try applier.apply([
            entry("h1", after: "h0", at: now - 2 * hour), entry("h2", after: "h1", at: now - 3 * hour / 2),
        ], recordedAt: 0)
        #expect(try read().ledgerResume == .after(hash: "h2"), "nothing after the boundary: nothing re-read")
        _ = try applier.apply([
            entry("h3", after: "h2", at: now - hour + 10), entry("h4", after: "h3", at: now - hour + 11),
            entry("h5", after: "h4", at: now),
        ], recordedAt: 0)
        #expect(try read().ledgerResume == .at(hash: "h4"), "the first line stamped after the boundary")
        database.close()
    }

    /// The latest responses are read backwards by rowid: no sort, no index to maintain.
    @Test func latestResponsesAreReadBackwardsWithoutASort() throws {
        let directory = TemporaryDirectory()
        let reader = try AuditDatabase.openReader(path: try makeStore(in: directory))
        let plan = try reader.makeStatement(sql: "EXPLAIN QUERY PLAN " + Schema.latestResponses)
        try plan.bind([.integer(200)])
        var details: [String] = []
        while try plan.step() { details.append(plan.text(at: 3) ?? "") }
        #expect(details == ["SCAN responses"], "\(details)")
    }
}
