/// In Page mode every inbound SMS opens an interaction: its `interaction.created` is on the
/// per-message path like its `interaction.message.appended`.
extension InteractionCreated: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("interaction_id", interactionId)
        members.add("mode", mode)
        members.add("media", media)
        members.add("from", from)
        members.add("to", to)
        members.add("queue", queue)
        members.add("origin", origin)
        members.add("created_at", createdAt)
        members.add("interaction", interaction.map { JSONValue.object($0.jsonMembers) })
        return members
    }
}
