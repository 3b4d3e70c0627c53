extension TranscriptEntryView: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("seq", seq)
        members.add("kind", kind)
        members.add("direction", orNull: direction)
        members.add("author", author)
        members.add("text", text)
        members.add("at", at)
        members.add("media", media)
        members.add("parts", parts)
        members.add("entities", entities)
        return members
    }
}

extension TranscriptEntryView.PartView: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("text", text)
        members.add("status", status)
        members.add("error_code", orNull: errorCode)
        members.add("error_reason", orNull: errorReason)
        return members
    }
}

extension AuthorView: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("type", type)
        members.add("id", orNull: id)
        members.add("name", orNull: name)
        return members
    }
}
