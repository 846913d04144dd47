/// A MO§ES multi-agent role. OpenClaw has no such concept: roles come from the policy's
/// map of agent ids to roles.
package enum Role: String, Sendable, CaseIterable, Codable {
    /// Responds first and frames the task.
    case primary
    /// Reads Primary, extends or challenges it; must not repeat it.
    case secondary
    /// Reads both, only flags; takes no action; always last.
    case observer

    /// Parses a role name ignoring case.
    package init?(normalizing text: String) {
        self.init(rawValue: text.lowercased())
    }
}
