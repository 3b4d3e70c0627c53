extension InteractionView: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("id", id)
        members.add("state", state)
        members.add("mode", mode)
        members.add("media", media)
        members.add("channel", channel)
        members.add("from", from)
        members.add("to", to)
        members.add("queue", queue)
        members.add("origin", origin)
        members.add("contact", orNull: contact)
        members.add("owner", orNull: owner)
        members.add("created_at", createdAt)
        members.add("closed_at", orNull: closedAt)
        members.add("close_reason", orNull: closeReason)
        members.add("elapsed_seconds", elapsedSeconds)
        members.add("disposition", orNull: disposition)
        members.add("note", orNull: note)
        members.add("case_data", caseData)
        members.add("transcript", transcript.map { JSONValue.array($0.map { .object($0.jsonMembers) }) })
        return members
    }
}

extension PartyView: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("id", id)
        members.add("name", orNull: name)
        return members
    }
}
