/// Whether the running effect is in a batch's transaction after the batch's prologue
/// (``TransactionalHandler/handle(batch:prologue:effect:)``), as a task-local value.
///
/// Why: a prologue takes a batch's locks once, but the same effects also run without it (a
/// batch of one, or each delivery on its own after the batch failed). An effect that needs
/// a prologue's lock takes it itself when this is `false`, instead of taking it again on
/// every event of a batch that already holds it (one round trip per event, issue #17).
public enum BatchPrologue {
    @TaskLocal public static var hasRun = false
}
