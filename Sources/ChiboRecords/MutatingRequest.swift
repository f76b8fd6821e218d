import ChiboCodec
import ChiboModel

/// A request that makes a change under `MutationOptions` (a request id, validate-only): its
/// options are set apart when the request is digested for its request id.
public protocol MutatingRequest: ProtoMessage {
    /// The request id and validate-only flag.
    var options: MutationOptions? { get set }
}

extension CreateOrgUnitRequest: MutatingRequest {}
extension UpdateOrgUnitRequest: MutatingRequest {}
extension MoveOrgUnitRequest: MutatingRequest {}
extension MergeOrgUnitsRequest: MutatingRequest {}
extension SplitOrgUnitRequest: MutatingRequest {}
extension AssignSupervisorRequest: MutatingRequest {}
extension EndSupervisorRequest: MutatingRequest {}
extension CreateMemberRequest: MutatingRequest {}
extension UpdateMemberRequest: MutatingRequest {}
extension AddStatusEventRequest: MutatingRequest {}
extension RecordMeetingRequest: MutatingRequest {}
extension AmendMeetingRequest: MutatingRequest {}
extension UpdateResolutionRequest: MutatingRequest {}
extension CreateRuleSetRequest: MutatingRequest {}
extension CreateEvaluationRequest: MutatingRequest {}
extension UpdateEvaluationRequest: MutatingRequest {}
extension VoidRequest: MutatingRequest {}
