import Foundation
import SwitchboardServiceKit

/// The configured disposition codes (`GET /v1/dispositions`), from
/// `SWITCHBOARD_DISPOSITION_CODES` as `code=Label;code=Label` (default below).
struct DispositionCatalog: Sendable, Equatable {
    struct Code: Codable, Sendable, Equatable {
        var code: String
        var label: String
    }

    static let defaultSpecification =
        "resolved=Resolved;follow_up=Follow-up needed;no_response=No response;wrong_number=Wrong number;escalated=Escalated"

    let codes: [Code]

    init(codes: [Code]) {
        self.codes = codes
    }

    init(environment: EnvironmentVariables) throws(ConfigurationError) {
        let specification = environment.string("SWITCHBOARD_DISPOSITION_CODES", default: Self.defaultSpecification)
        var codes: [Code] = []
        for entry in specification.split(separator: ";") where !entry.trimmingCharacters(in: .whitespaces).isEmpty {
            let pair = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty,
                pair[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            else {
                throw .invalid(variable: "SWITCHBOARD_DISPOSITION_CODES", reason: "expected code=Label;code=Label (codes: letters, digits, _ or -)")
            }
            codes.append(Code(code: pair[0], label: pair[1]))
        }
        guard !codes.isEmpty else { throw .invalid(variable: "SWITCHBOARD_DISPOSITION_CODES", reason: "no codes") }
        self.codes = codes
    }

    func contains(_ code: String) -> Bool { codes.contains { $0.code == code } }
}
