/// Whether the running effect is in a consumer's transaction after its prologue
/// (``TransactionalHandler/handle(batch:prologue:effect:)``, and a delivery handled on its
/// own with the same prologue), as a task-local value.
///
/// Why: a prologue takes a batch's locks once, but the same effects also run without one (a
/// consumer that gives none, other callers of the same command). An effect that needs a
/// prologue's lock takes it itself when this is `false`, instead of taking it again on every
/// event of a batch that already holds it (one round trip per event, issue #17).
public enum BatchPrologue {
    @TaskLocal public static var hasRun = false
}
