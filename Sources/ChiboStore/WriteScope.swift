import ChiboModel

/// The records a change may touch: everything (an admin, or the server's own tools), or what
/// lies under one org unit.
///
/// The store checks it on the change's effects, inside the change's transaction: every record a
/// change creates, alters, moves, absorbs, splits off, attaches or voids must lie in the scope
/// before and after the change, whatever the request said (see `docs/SECURITY.md`).
public enum WriteScope: Hashable, Sendable {
    /// No limit: admin tokens and the server's own commands (token, copy, restore).
    case unrestricted
    /// The subtree of this unit, and of the units it was formed from, on the change's dates. An
    /// empty id reaches nothing.
    case subtree(of: String)
}

extension MutationContext {
    /// The same context for a change that takes effect on `date` (a move, merge or split).
    public func takingEffect(on date: CalendarDate) -> MutationContext {
        var context = self
        context.effectiveOn = date
        return context
    }
}
