import SwitchboardModels

/// What one `message.status` does to one part of an outbound message, without I/O.
///
/// The status moves only forward (``PartStatusOrder``). The carrier's error code and text
/// describe the status the part is in, so they follow it: a report that wins and leaves
/// the part `undelivered` or `failed` brings its own (keeping the ones already there if it
/// has none, since a repeated failure report often carries less than the first); a report
/// that wins with `queued`, `sent` or `delivered` clears them (a part delivered after all
/// has no failure to explain); a report that loses, arriving out of order, changes
/// nothing.
enum PartDeliveryUpdate {
    static let failures: Set<String> = ["undelivered", "failed"]

    static func applying(_ report: MessageStatus, to part: TranscriptEntryView.PartView) -> TranscriptEntryView.PartView {
        let merged = PartStatusOrder.merge(current: part.status, incoming: report.status)
        guard merged == report.status else { return part }
        var updated = part
        updated.status = merged
        if failures.contains(merged) {
            let wasFailed = failures.contains(part.status)
            updated.errorCode = report.errorCode ?? (wasFailed ? part.errorCode : nil)
            updated.errorReason = report.errorReason ?? (wasFailed ? part.errorReason : nil)
        } else {
            updated.errorCode = nil
            updated.errorReason = nil
        }
        return updated
    }
}
