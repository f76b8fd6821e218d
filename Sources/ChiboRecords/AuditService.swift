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
        registry.registerUnary(.auditVerify) { (_: VerifyAuditRequest, _) in try await service.verify() }
    }

    /// Walks the whole log in order, a batch at a time, checking every link and hash.
    func verify() async throws -> VerifyAuditResponse {
        var response = VerifyAuditResponse(intact: true)
        var previous: AuditEntry?
        while true {
            let batch = try await StoreErrors.mapping {
                try await store.auditEntries(AuditQuery(afterSeq: previous?.seq ?? 0, limit: 5000))
            }
            if batch.isEmpty { break }
            if let (seq, problem) = AuditChain.verify(batch, previous: previous) {
                response.intact = false
                response.firstBrokenSeq = seq
                response.problem = "entry \(seq) \(problem)"
                response.entries += Int64(batch.prefix { $0.seq < seq }.count)
                return response
            }
            response.entries += Int64(batch.count)
            previous = batch.last
        }
        response.headHash = previous?.hash ?? ""
        return response
    }
}
