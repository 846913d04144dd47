import AuditStore
import Gateway
import Logging
import MosesFiles

/// Where `run` picks up after a restart: what the store judged last, as the gateway
/// client's restart resync and the engine's open cycles.
package struct RestartResume {
    /// The conversations active before the stop (their cycles are resumed).
    package var activity: JudgedActivity

    /// The most responses read for the boundaries: 200,000 rows read backwards by rowid
    /// take well under a second.
    package static let responseLimit = 200_000

    /// Reads the store through a read-only connection of its own (the writer already
    /// migrated the file).
    ///
    /// - Parameters:
    ///   - windowMs: how long before the last judged event (event time) a conversation
    ///     still counts as active.
    ///   - conversationLimit: the most conversations re-read, the latest (each costs one
    ///     `chat.history` per session).
    ///   - historyLimit: rows per `chat.history` read; as many of the store's latest
    ///     responses per conversation re-read give the boundaries (at most `responseLimit`).
    /// - Returns: an empty resume when the store cannot be read; the daemon then starts as
    ///   on a new store (logged: what the gateway sent while it was down is not re-read).
    package static func read(
        databasePath: String, windowMs: Int64, conversationLimit: Int, historyLimit: Int, logger: Logger
    ) -> RestartResume {
        do {
            let database = try AuditDatabase.openReader(path: databasePath)
            defer { database.close() }
            let activity = try JudgedActivity.read(
                from: database, windowMs: windowMs, conversationLimit: conversationLimit,
                responseLimit: min(Self.responseLimit, max(1, conversationLimit) * historyLimit))
            if !activity.conversations.isEmpty {
                logger.notice("resuming the conversations judged before the last stop", metadata: [
                    "restart.conversations": "\(activity.conversations.count)", "restart.sessions": "\(activity.sessions.count)",
                ])
            }
            return RestartResume(activity: activity)
        } catch {
            logger.error("cannot read what was judged before the last stop; the downtime is not re-read", metadata: ["error": "\(error)"])
            return RestartResume(activity: JudgedActivity())
        }
    }

    /// Where the ledger tail picks up.
    package var ledgerResume: LedgerTail.ResumePoint? {
        switch activity.ledgerResume {
        case .at(let hash)?: .at(hash: hash)
        case .after(let hash)?: .after(hash: hash)
        case nil: nil
        }
    }

    /// The client's restart resync: each session's boundary, and each conversation's last
    /// event time for its sessions the store has no response from.
    package var resync: RestartResync {
        var resync = RestartResync()
        for conversation in activity.conversations {
            resync.conversations[conversation.conversation] = conversation.lastSeen
        }
        for (key, session) in activity.sessions {
            resync.sessions[key] = RestartResync.Boundary(judgedThrough: session.lastResponseAt, judgedRunIDs: session.runIDs)
        }
        return resync
    }
}
