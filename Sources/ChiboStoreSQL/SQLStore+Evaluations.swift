import ChiboCodec
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Creates an evaluation (see `Store.createEvaluation`).
    public func createEvaluation(_ evaluation: Evaluation, context: MutationContext) async throws -> Evaluation {
        try await mutate(operation: "evaluation.create", context: context) { db, context in
            try Self.insertEvaluation(db, evaluation, context: context, write: !context.validateOnly)
        }
    }

    /// Creates an evaluation inside a transaction: the checks of `Store.createEvaluation` (the
    /// references, one per subject and year), then (with `write`) the row and its logged change.
    /// Shared by Evaluations.Create and imports.
    static func insertEvaluation(
        _ db: any SQLDatabase,
        _ evaluation: Evaluation,
        context: MutationContext,
        write: Bool
    ) throws -> Evaluation {
        var evaluation = evaluation
        // A new id is unique by construction (time and randomness); only a given one is checked.
        if evaluation.id.isEmpty {
            evaluation.id = RecordID.make("ev")
        } else if try exists(db, table: "evaluation", id: evaluation.id) {
            throw StoreError.alreadyExists(entity: "evaluation", key: evaluation.id)
        }
        try checkEvaluationReferences(db, &evaluation)
        if let other = try String.fetchOne(
            db.cachedStatement(
                sql: "SELECT id FROM evaluation WHERE voided = 0 AND subject = ? AND subject_id = ? AND year = ?"
            ),
            arguments: [evaluation.subject.rawValue, evaluation.subjectId, evaluation.year]
        ) {
            throw StoreError.alreadyExists(
                entity: "evaluation of \(evaluation.subjectId) for \(evaluation.year)",
                key: "\(other) (update or void it)"
            )
        }
        evaluation.meta = RecordMeta(
            revision: 1,
            createdAtMs: context.nowMs,
            updatedAtMs: context.nowMs,
            updatedBy: context.actor
        )
        guard write else { return evaluation }
        try writeEvaluation(db, evaluation, insert: true)
        try logChange(
            db,
            context: context,
            entity: "evaluation",
            id: evaluation.id,
            revision: 1,
            change: "create",
            record: evaluation
        )
        return evaluation
    }

    /// Updates the masked fields of an evaluation (see `Store.updateEvaluation`).
    public func updateEvaluation(
        _ evaluation: Evaluation,
        mask: [String],
        context: MutationContext
    ) async throws -> Evaluation {
        try await mutate(operation: "evaluation.update", context: context) { db, context in
            guard var stored = try Self.loadEvaluation(db, id: evaluation.id) else {
                throw StoreError.notFound(entity: "evaluation", id: evaluation.id)
            }
            try Self.requireCurrent(
                stored.meta,
                entity: "evaluation",
                id: evaluation.id,
                revision: evaluation.meta?.revision ?? 0
            )
            for path in mask {
                switch path {
                case "grade", "score": stored.result = evaluation.result
                case "clean_and_strong": stored.cleanAndStrong = evaluation.cleanAndStrong
                case "cell_id": stored.cellId = evaluation.cellId
                case "decision_ref": stored.decisionRef = evaluation.decisionRef
                case "note": stored.note = evaluation.note
                default: throw StoreError.failedPrecondition("field \(path) cannot be changed by an update")
                }
            }
            return try Self.saveEvaluation(db, stored, change: "update", context: context, write: !context.validateOnly)
        }
    }

    /// Stores a changed evaluation as its next revision, after the reference checks of
    /// `Store.updateEvaluation`, and logs the change (with `write`).
    static func saveEvaluation(
        _ db: any SQLDatabase,
        _ evaluation: Evaluation,
        change: String,
        context: MutationContext,
        write: Bool
    ) throws -> Evaluation {
        var evaluation = evaluation
        try checkEvaluationReferences(db, &evaluation)
        bumpRevision(&evaluation.meta, context: context)
        guard write else { return evaluation }
        try writeEvaluation(db, evaluation, insert: false)
        try logChange(
            db,
            context: context,
            entity: "evaluation",
            id: evaluation.id,
            revision: evaluation.meta?.revision ?? 0,
            change: change,
            record: evaluation
        )
        return evaluation
    }

    /// The evaluation with this id.
    public func evaluation(id: String) async throws -> Evaluation? {
        try await engine.read { db in try Self.loadEvaluation(db, id: id) }
    }

    /// Evaluations matching the query (see `Store.listEvaluations`).
    public func listEvaluations(_ query: EvaluationQuery) async throws -> Page<Evaluation> {
        try await engine.read { db in
            let year =
                switch db.dialect {
                case .sqlite: "printf('%04d', e.year)"
                case .postgres: "lpad(e.year::text, 4, '0')"
                }
            let sortKey = "(\(year) || '|' || e.subject || '|' || e.subject_id)"
            var conditions: [String] = []
            var arguments: SQLArguments = []
            if let subtree = query.subtreeOf {
                // Two indexed lookups (a cell's evaluations by its id, a member's by the cell it was
                // graded in) instead of an OR, which PostgreSQL answered by scanning the year.
                let units = try Self.everSubtreeIDs(db, rootID: subtree)
                arguments += [units, units]
                conditions.append(
                    """
                    e.id IN (SELECT v.id FROM evaluation v WHERE v.subject = 1 AND \(db.isOneOf("v.subject_id"))
                        UNION ALL SELECT v.id FROM evaluation v WHERE v.subject = 2 AND \(db.isOneOf("v.cell_id")))
                    """
                )
            }
            if let year = query.year {
                conditions.append("e.year = ?")
                arguments += [year]
            }
            if let subject = query.subject {
                conditions.append("e.subject = ?")
                arguments += [subject.rawValue]
            }
            if let subjectID = query.subjectID {
                conditions.append("e.subject_id = ?")
                arguments += [subjectID]
            }
            if !query.includeVoided { conditions.append("e.voided = 0") }
            if let after = PageToken.parse(query.pageToken) {
                conditions.append("(\(sortKey) > ? OR (\(sortKey) = ? AND e.id > ?))")
                arguments += [after.sortKey, after.sortKey, after.id]
            }
            let limit = max(1, min(query.pageSize, 1000))
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT e.id, \(sortKey) AS sort_key, e.record FROM evaluation e
                    \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY sort_key, e.id LIMIT \(limit + 1)
                    """,
                arguments: arguments
            )
            let evaluations = try rows.prefix(limit).map { row in
                try Evaluation(serializedBytes: [UInt8](row["record"] as Data))
            }
            var next = ""
            if rows.count > limit, let last = rows.prefix(limit).last {
                next = PageToken.make(sortKey: last["sort_key"], id: last["id"])
            }
            return Page(records: evaluations, nextPageToken: next)
        }
    }

    /// Voids an evaluation (see `Store.voidEvaluation`).
    public func voidEvaluation(
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext
    ) async throws -> Evaluation {
        try await mutate(operation: "evaluation.void", context: context) { db, context in
            try Self.voidEvaluation(
                db,
                id: id,
                revision: revision,
                reason: reason,
                context: context,
                write: !context.validateOnly
            )
        }
    }

    /// Voids an evaluation inside a transaction (see `Store.voidEvaluation`); shared with undo.
    static func voidEvaluation(
        _ db: any SQLDatabase,
        id: String,
        revision: Int64,
        reason: String,
        context: MutationContext,
        write: Bool
    ) throws -> Evaluation {
        guard var evaluation = try loadEvaluation(db, id: id) else {
            throw StoreError.notFound(entity: "evaluation", id: id)
        }
        try markVoided(
            &evaluation.meta,
            entity: "evaluation",
            id: id,
            revision: revision,
            reason: reason,
            context: context
        )
        guard write else { return evaluation }
        try writeEvaluation(db, evaluation, insert: false)
        try logChange(
            db,
            context: context,
            entity: "evaluation",
            id: id,
            revision: evaluation.meta?.revision ?? 0,
            change: "void",
            record: evaluation
        )
        return evaluation
    }

    /// Checks that the subject and cell exist, and fills a member's cell from the roster when
    /// it is not given: the cell the member belonged to at the end of the year, or their cell now.
    static func checkEvaluationReferences(_ db: any SQLDatabase, _ evaluation: inout Evaluation) throws {
        switch evaluation.subject {
        case .orgUnit:
            guard try exists(db, table: "org_unit", id: evaluation.subjectId) else {
                throw StoreError.invalidRecord([
                    FieldViolation(
                        field: "evaluation.subject_id",
                        description: "org unit \(evaluation.subjectId) does not exist"
                    )
                ])
            }
        default:
            guard let member = try loadMember(db, sql: "SELECT record FROM member WHERE id = ?", evaluation.subjectId)
            else {
                throw StoreError.invalidRecord([
                    FieldViolation(
                        field: "evaluation.subject_id",
                        description: "member \(evaluation.subjectId) does not exist"
                    )
                ])
            }
            if evaluation.cellId.isEmpty {
                evaluation.cellId = EvaluationChecks.cell(of: member, year: evaluation.year)
            } else if !(try exists(db, table: "org_unit", id: evaluation.cellId)) {
                throw StoreError.invalidRecord([
                    FieldViolation(
                        field: "evaluation.cell_id",
                        description: "org unit \(evaluation.cellId) does not exist"
                    )
                ])
            }
        }
    }

    static func loadEvaluation(_ db: any SQLDatabase, id: String) throws -> Evaluation? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM evaluation WHERE id = ?"), arguments: [id])
            .map { try Evaluation(serializedBytes: [UInt8]($0)) }
    }

    static func writeEvaluation(_ db: any SQLDatabase, _ evaluation: Evaluation, insert: Bool) throws {
        let arguments: SQLArguments = [
            evaluation.subject.rawValue, evaluation.subjectId, evaluation.year,
            evaluation.cellId.isEmpty ? nil : evaluation.cellId, evaluation.meta?.voided == true ? 1 : 0,
            evaluation.meta?.revision ?? 1, Data(try evaluation.serializedBytes()), evaluation.id,
        ]
        if !insert { try supersede(db, entity: "evaluation", id: evaluation.id) }
        try db.execute(
            sql: insert
                ? """
                INSERT INTO evaluation (subject, subject_id, year, cell_id, voided, revision, record, id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
                : """
                UPDATE evaluation SET subject = ?, subject_id = ?, year = ?, cell_id = ?, voided = ?, revision = ?,
                    record = ? WHERE id = ?
                """,
            arguments: arguments
        )
    }
}
