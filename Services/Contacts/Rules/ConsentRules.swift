import Foundation

/// Consent (opt-out) per customer number and organisation number (docs/architecture.md section 4,
/// issue #5), as pure rules.
enum ConsentState: String, Codable, Sendable, CaseIterable {
    case optedIn = "opted_in"
    case optedOut = "opted_out"
}

/// What a `consent.keyword` asks for.
enum ConsentAction: String, Codable, Sendable, CaseIterable {
    case optOut = "opt_out"
    case optIn = "opt_in"
    /// HELP, INFO: recorded in the history only.
    case help

    /// The state the action leads to; nil for `help`.
    var state: ConsentState? {
        switch self {
        case .optOut: .optedOut
        case .optIn: .optedIn
        case .help: nil
        }
    }
}

enum ConsentRules {
    /// The effect of a keyword on the state of one (customer, organisation number) pair.
    enum Outcome: Equatable, Sendable {
        /// The state changes: store it and emit `consent.changed`.
        case changed(ConsentState)
        /// The state is already so: store the keyword's time as the state's time (no event),
        /// so that an older opposite keyword arriving later is ``stale``.
        case confirmed(ConsentState)
        /// Recorded in the history only (`help`).
        case unchanged
        /// Older than the change already applied (a late or reordered keyword): recorded in
        /// the history only, so a STOP sent after a START is never undone by the START
        /// arriving last.
        case stale
    }

    /// - Parameter current: the stored state and the time of the keyword that set it; nil
    ///   when the number never sent one to this organisation number (opted in by default).
    static func apply(_ action: ConsentAction, at: Date, current: (state: ConsentState, at: Date)?) -> Outcome {
        guard let wanted = action.state else { return .unchanged }
        guard let current else { return wanted == .optedIn ? .confirmed(.optedIn) : .changed(wanted) }
        if at < current.at { return .stale }
        return wanted == current.state ? .confirmed(wanted) : .changed(wanted)
    }

    /// The number's overall state: opted out if it is opted out of at least one
    /// organisation number.
    static func overall(_ byOrgNumber: [String: ConsentState]) -> ConsentState {
        byOrgNumber.values.contains(.optedOut) ? .optedOut : .optedIn
    }
}
