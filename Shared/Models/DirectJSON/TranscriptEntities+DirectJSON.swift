extension TranscriptEntities: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("urls", urls)
        members.add("phones", phones)
        members.add("emails", emails)
        return members
    }
}

extension URLEntity: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("text", text)
        members.add("display", display)
        members.add("suspicious", suspicious)
        return members
    }
}
