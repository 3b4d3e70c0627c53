/// Long-SMS reassembly, without I/O: the parts that arrived (in any order, possibly with
/// gaps) joined in `seq` order. Complete when every seq from 1 to `total` is present.
struct PartAssembly: Sendable, Equatable {
    struct Part: Sendable, Equatable {
        var seq: Int
        var carrierMessageID: String
        var text: String
    }

    var total: Int
    var parts: [Part]

    /// One part per seq (the first one that arrived wins), in seq order.
    var ordered: [Part] {
        var seen = Set<Int>()
        return parts.filter { seen.insert($0.seq).inserted }.sorted { $0.seq < $1.seq }
    }

    var isComplete: Bool {
        Set(parts.map(\.seq)).isSuperset(of: 1...max(total, 1))
    }

    /// The texts in order, concatenated as they are (a part boundary may fall inside a word).
    var text: String { ordered.map(\.text).joined() }

    /// The carrier id of the reassembled message: that of the lowest-numbered part that
    /// arrived (part 1 when complete). Unique, because part ids are.
    var carrierMessageID: String { ordered.first?.carrierMessageID ?? "" }

    /// The missing seqs.
    var missing: [Int] {
        let present = Set(parts.map(\.seq))
        return (1...max(total, 1)).filter { !present.contains($0) }
    }
}
