/// The MO§ES governance mode: the rulebook a response is judged against.
///
/// Raw values are the `state.json` keys; `init?(normalizing:)` also accepts the display
/// names and aliases the plugin/MCP variant writes ("High Security", "none", …).
package enum Mode: String, Sendable, CaseIterable, Codable {
    case highSecurity = "high-security"
    case highIntegrity = "high-integrity"
    case creative
    case research
    case selfGrowth = "self-growth"
    case problemSolving = "problem-solving"
    case idk
    case unrestricted

    /// Parses a mode key, display name or alias, ignoring case, spaces and underscores.
    package init?(normalizing text: String) {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "-" })
        let key = words.joined(separator: "-")
        switch key {
        case "none", "none-(unrestricted)": self = .unrestricted
        case "i-dont-know", "i-don't-know-what-to-do", "i-dont-know-what-to-do": self = .idk
        default:
            guard let mode = Mode(rawValue: key) else { return nil }
            self = mode
        }
    }
}

/// The MO§ES posture: the throttle on what an agent may do.
package enum Posture: String, Sendable, CaseIterable, Codable {
    /// Information gathering only: no mutating tool calls.
    case scout
    /// Protect existing positions: outbound actions need operator confirmation.
    case defense
    /// Execute within the mode's constraints.
    case offense

    /// Parses a posture ignoring case ("SCOUT" in the plugin variant).
    package init?(normalizing text: String) {
        self.init(rawValue: text.lowercased())
    }
}

/// The global role in `state.json`; `broadcast` turns sequencing off.
package enum GovernanceRole: String, Sendable, CaseIterable, Codable {
    case primary
    case secondary
    case observer
    case broadcast

    /// Parses a role ignoring case ("Primary" in the plugin variant).
    package init?(normalizing text: String) {
        self.init(rawValue: text.lowercased())
    }
}

/// The governance state in force: mode, posture and global role (`state.json`).
package struct GovernanceState: Sendable, Hashable, Codable {
    package var mode: Mode
    package var posture: Posture
    package var role: GovernanceRole

    package init(mode: Mode, posture: Posture, role: GovernanceRole) {
        self.mode = mode
        self.posture = posture
        self.role = role
    }

    /// What the MO§ES scripts assume when `state.json` is missing.
    package static let `default` = GovernanceState(mode: .highIntegrity, posture: .defense, role: .primary)
}
