/// The log metadata keys of the MO§ES files watcher.
package enum MosesFilesLogKey {
    static let kind = "files.warning.kind"
    static let repeats = "files.warning.repeats"
    static let path = "files.path"
    static let line = "ledger.line"
    static let error = "error"
}
