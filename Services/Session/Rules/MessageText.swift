import Foundation
import SwitchboardModels

/// The text of an SMS an agent writes — a reply, or the first message of an interaction
/// the agent opens — as it will be sent: trimmed of leading and trailing whitespace and
/// newlines, not empty, and segmented (GSM-7 or UCS-2, docs/architecture.md section 2)
/// into at most `SWITCHBOARD_SMS_MAX_PARTS` parts. One rule for both, so that a text the
/// composer accepts for a reply is accepted for a new interaction too. No I/O.
struct MessageText: Sendable, Equatable {
    enum Refusal: Error, Equatable {
        /// Nothing is left after trimming.
        case empty
        /// The text needs `parts` SMS; at most `max` are allowed.
        case tooLong(parts: Int, max: Int)
    }

    /// The text sent (trimmed).
    let text: String
    /// Its encoding and parts, as the carrier receives them.
    let segmentation: SMSSegmentation

    init(_ raw: String, maxParts: Int, segmenter: SMSSegmenter = SMSSegmenter()) throws(Refusal) {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .empty }
        let segmentation = segmenter.segment(text)
        guard segmentation.parts.count <= maxParts else { throw .tooLong(parts: segmentation.parts.count, max: maxParts) }
        self.text = text
        self.segmentation = segmentation
    }
}
