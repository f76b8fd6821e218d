import ChiboAccess
import ChiboServer
import ChiboStore

/// The record services of a Chibo server, registered together.
public enum Records {
    /// Registers every record service over `store`. With `access` (the gate the registry was
    /// made with), the change feed shows each caller only what is in its scope.
    public static func register(
        into registry: inout MethodRegistry,
        store: any Store,
        clock: RecordsClock = .system,
        access: AccessGate? = nil
    ) {
        OrgUnitService(store: store, clock: clock).register(into: &registry)
        OrgTreeHandlers(store: store, clock: clock).register(into: &registry)
        MergeSplitHandlers(store: store, clock: clock).register(into: &registry)
        MemberService(store: store, clock: clock).register(into: &registry)
        MeetingService(store: store, clock: clock).register(into: &registry)
        VoidHandlers(store: store, clock: clock).register(into: &registry)
        ChangeFeedService(store: store, access: access).register(into: &registry)
        AuditService(store: store).register(into: &registry)
        RuleService(store: store, clock: clock).register(into: &registry)
        EvaluationService(store: store, clock: clock).register(into: &registry)
        ReportService(store: store, clock: clock).register(into: &registry)
        ImportService(store: store, clock: clock).register(into: &registry)
    }
}
