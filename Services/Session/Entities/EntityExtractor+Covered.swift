import Foundation

extension EntityExtractor {
    /// Which of `scalars` belong to a web address or an email address, exactly as
    /// ``extract(_:)`` finds them: the spell checker skips these, so a link's path or a
    /// mailbox name is never called a misspelling. Phone numbers need no mask: they are made
    /// of digits and separators, which are no words.
    func entityScalars(_ scalars: [Unicode.Scalar]) -> [Bool] {
        var covered = [Bool](repeating: false, count: scalars.count)
        guard !scalars.isEmpty else { return covered }
        _ = Self.urls(in: scalars, messageHasHiddenControls: Self.containsHiddenControls(scalars), covered: &covered)
        _ = Self.emails(in: scalars, covered: &covered)
        return covered
    }
}
