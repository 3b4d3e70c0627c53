/// One stored desk event: `seq` numbers the agent's events (the stream's `id:`).
struct DeskFeedRow: Sendable, Equatable {
    var agentID: String
    var seq: Int64
    var event: DeskEvent
}
