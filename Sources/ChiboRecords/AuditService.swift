import ChiboDomain
import ChiboModel
import ChiboServer
import ChiboStore

/// The audit log over the wire: list entries, verify the chain.
public struct AuditService: Sendable {
    let store: any Store

    /// Creates the service over a store.
    public init(store: any Store) {
        self.store = store
    }

    /// Registers the service's methods.
    public func register(into registry: inout MethodRegistry) {
        let service = self
        registry.registerServerStreaming(.auditList) {
            (request: ListAuditRequest, stream: ResponseStream<AuditEntry>, _) in
            var violations = Violations()
            if request.limit < 0 || request.limit > 1000 { violations.add("limit", "must be 0 to 1000") }
            if request.afterSeq < 0 { violations.add("after_seq", "a position, or 0 from the start") }
            try violations.throwIfAny()
            let entries = try await StoreErrors.mapping {
                try await service.store.auditEntries(
                    AuditQuery(
                        afterSeq: request.afterSeq,
                        limit: request.limit == 0 ? 100 : Int(request.limit),
                        entity: request.entity.isEmpty ? nil : request.entity,
                        entityID: request.entityId.isEmpty ? nil : request.entityId,
                        actor: request.actor.isEmpty ? nil : request.actor
                    )
                )
            }
            for entry in entries { try await stream.send(entry) }
        }
        registry.registerUnary(.auditVerify) { (request: VerifyAuditRequest, _) in try await service.verify(request) }
    }

    /// Walks the whole log in order, checking every link and hash, every MAC when the server has
    /// the audit key, and the log against the server's last checkpoint and the request's; answers
    /// with a new checkpoint of the head.
    func verify(_ request: VerifyAuditRequest) async throws -> VerifyAuditResponse {
        var checkpoints: [AuditCheckpoint] = []
        if !request.checkpoint.isEmpty {
            do {
                checkpoints.append(try AuditCheckpoint(text: request.checkpoint))
            } catch {
                throw CallError(.invalidArgument, "checkpoint: \(error)")
            }
        }
        let seal = store.auditSeal
        if let own = seal?.lastCheckpoint { checkpoints.append(own) }
        let result = try await StoreErrors.mapping {
            try await AuditVerifier.verify(store: store, key: seal?.key, checkpoints: checkpoints)
        }
        var response = VerifyAuditResponse(
            intact: result.intact,
            entries: result.entries,
            firstBrokenSeq: result.firstBrokenSeq,
            problem: result.problem,
            headHash: result.headHash,
            keyedFromSeq: result.keyedFromSeq,
            checkpointsChecked: Int64(result.checkpointsChecked),
            changesChecked: result.changesChecked
        )
        if result.intact, let seal, result.headSeq > 0 {
            response.checkpoint =
                seal.checkpoint(seq: result.headSeq, headHash: result.headHash, keyedFromSeq: result.keyedFromSeq).text
        }
        if result.intact, let failure = seal?.checkpointFailure {
            response.intact = false
            response.problem = failure
        }
        return response
    }
}
