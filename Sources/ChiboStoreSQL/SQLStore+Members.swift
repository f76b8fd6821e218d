import ChiboCodec
import ChiboDomain
import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Creates a member (see `Store.createMember`).
    public func createMember(_ member: Member, context: MutationContext) async throws -> Member {
        try await mutate(operation: "member.create", context: context) { db, context in
            try Self.insertMember(db, member, context: context, write: !context.validateOnly)
        }
    }

    /// Creates a member inside a transaction: the checks of `Store.createMember`, then (with
    /// `write`) the row and its logged change. Shared by Members.Create and imports.
    static func insertMember(
        _ db: any SQLDatabase,
        _ member: Member,
        context: MutationContext,
        write: Bool
    ) throws -> Member {
        var member = member
        // A new id is unique by construction (time and randomness); only a given one is checked.
        if member.id.isEmpty {
            member.id = RecordID.make("m")
        } else if try exists(db, table: "member", id: member.id) {
            throw StoreError.alreadyExists(entity: "member", key: member.id)
        }
        try checkPartyCard(db, member.partyCardNumber, excluding: nil)
        try checkCell(db, member.cellId)
        member = try prepareNewMember(member, context: context)
        guard write else { return member }
        try writeMember(db, member, insert: true)
        try logChange(
            db,
            context: context,
            entity: "member",
            id: member.id,
            revision: 1,
            change: "create",
            record: member
        )
        return member
    }

    /// A new member as the store keeps it, once its card number and cell are checked: its id
    /// (when it has none), names, cell history, event ids, status from its events (refused when
    /// they break the lifecycle) and first revision.
    static func prepareNewMember(_ member: Member, context: MutationContext) throws -> Member {
        var member = member
        if member.id.isEmpty { member.id = RecordID.make("m") }
        fillNames(&member)
        // The server keeps the cell history: a new record starts in its cell.
        member.cellHistory = member.cellId.isEmpty ? [] : [CellPeriod(cellId: member.cellId)]
        for index in member.events.indices where member.events[index].id.isEmpty {
            member.events[index].id = RecordID.make("ev")
        }
        do {
            member.status = try MemberLifecycle.replay(member.events).status
        } catch {
            throw StoreError.failedPrecondition(error.message)
        }
        member.meta = RecordMeta(
            revision: 1,
            createdAtMs: context.nowMs,
            updatedAtMs: context.nowMs,
            updatedBy: context.actor
        )
        return member
    }

    /// Updates the masked fields of a member (see `Store.updateMember`).
    public func updateMember(_ member: Member, mask: [String], context: MutationContext) async throws -> Member {
        try await mutate(operation: "member.update", context: context) { db, context in
            var stored = try Self.loadCurrentMember(db, id: member.id, revision: member.meta?.revision ?? 0)
            for path in mask {
                switch path {
                case "party_card_number":
                    try Self.checkPartyCard(db, member.partyCardNumber, excluding: stored.id)
                    stored.partyCardNumber = member.partyCardNumber
                case "citizen_id": stored.citizenId = member.citizenId
                case "full_name":
                    stored.fullName = member.fullName
                    if !mask.contains("family_name") && !mask.contains("middle_name") && !mask.contains("given_name") {
                        (stored.familyName, stored.middleName, stored.givenName) = ("", "", "")
                    }
                case "family_name": stored.familyName = member.familyName
                case "middle_name": stored.middleName = member.middleName
                case "given_name": stored.givenName = member.givenName
                case "gender": stored.gender = member.gender
                case "birth_date": stored.birthDate = member.birthDate
                case "ethnicity": stored.ethnicity = member.ethnicity
                case "home_place": stored.homePlace = member.homePlace
                case "phone": stored.phone = member.phone
                case "admitted_on": stored.admittedOn = member.admittedOn
                case "official_on": stored.officialOn = member.officialOn
                case "positions": stored.positions = member.positions
                case "note": stored.note = member.note
                default: throw StoreError.failedPrecondition("field \(path) cannot be changed by an update")
                }
            }
            Self.fillNames(&stored)
            return try Self.saveMember(db, stored, change: "update", context: context, write: !context.validateOnly)
        }
    }

    /// Stores a changed member as its next revision and logs the change (with `write`).
    static func saveMember(
        _ db: any SQLDatabase,
        _ member: Member,
        change: String,
        context: MutationContext,
        write: Bool
    ) throws -> Member {
        var member = member
        bumpRevision(&member.meta, context: context)
        guard write else { return member }
        try writeMember(db, member, insert: false)
        try logChange(
            db,
            context: context,
            entity: "member",
            id: member.id,
            revision: member.meta?.revision ?? 0,
            change: change,
            record: member
        )
        return member
    }

    /// Appends a status event (see `Store.addStatusEvent`).
    public func addStatusEvent(
        memberID: String,
        revision: Int64,
        event: StatusEvent,
        context: MutationContext
    ) async throws -> Member {
        try await mutate(operation: "member.add_status_event", context: context) { db, context in
            let stored = try Self.loadCurrentMember(db, id: memberID, revision: revision)
            return try Self.appendStatusEvent(db, to: stored, event, context: context, write: !context.validateOnly)
        }
    }

    /// Appends a status event to a stored member inside a transaction: the lifecycle checks of
    /// `Store.addStatusEvent`, then (with `write`) the new revision and its logged change.
    /// Shared by Members.AddStatusEvent and imports.
    static func appendStatusEvent(
        _ db: any SQLDatabase,
        to stored: Member,
        _ event: StatusEvent,
        context: MutationContext,
        write: Bool
    ) throws -> Member {
        var stored = stored
        var event = event
        if event.id.isEmpty { event.id = RecordID.make("ev") }
        event.meta = RecordMeta(
            revision: 1,
            createdAtMs: context.nowMs,
            updatedAtMs: context.nowMs,
            updatedBy: context.actor
        )
        do {
            let before = try MemberLifecycle.replay(stored.events)
            stored.status = try MemberLifecycle.apply(event, to: before).status
        } catch {
            throw StoreError.failedPrecondition(error.message)
        }
        // A member record stays in its home cell for life; a temporary transfer names the host.
        if event.kind == .temporaryTransferOut && !event.otherUnitId.isEmpty {
            try checkCell(db, event.otherUnitId)
        }
        if event.kind == .madeOfficial && stored.officialOn == nil { stored.officialOn = event.effectiveOn }
        if event.kind == .admitted && stored.admittedOn == nil { stored.admittedOn = event.effectiveOn }
        stored.events.append(event)
        return try saveMember(db, stored, change: "status_event", context: context, write: write)
    }

    /// The member with this id.
    public func member(id: String) async throws -> Member? {
        try await engine.read { db in try Self.loadMember(db, sql: "SELECT record FROM member WHERE id = ?", id) }
    }

    /// The member with this party card number.
    public func member(partyCardNumber: String) async throws -> Member? {
        try await engine.read { db in
            try Self.loadMember(db, sql: "SELECT record FROM member WHERE party_card_number = ?", partyCardNumber)
        }
    }

    /// The members holding these card numbers (see `Store.members(partyCardNumbers:)`), read
    /// 500 numbers at a time in one read.
    public func members(partyCardNumbers: [String]) async throws -> [String: Member] {
        guard !partyCardNumbers.isEmpty else { return [:] }
        return try await engine.read { db in
            try Self.membersByCard(db, sql: "SELECT record FROM member WHERE party_card_number IN", partyCardNumbers)
        }
    }

    /// Members matching the query, in Vietnamese name order, one page at a time.
    public func listMembers(_ query: MemberQuery) async throws -> Page<Member> {
        try await engine.read { db in
            var conditions: [String] = []
            var arguments: SQLArguments = []
            if let subtree = query.subtreeOf {
                arguments += [try Self.currentSubtreeIDs(db, rootID: subtree)]
                conditions.append(db.isOneOf("m.cell_id"))
            }
            let asOf = DateKeys.key(query.asOf)
            if let cell = query.cellID {
                // The members of the cell (on the date, or now), with those attached to it as
                // candidates (whether the transfer holds on the date is checked below): a union of
                // indexed lookups, where an OR made PostgreSQL scan every member.
                var homes: [String] = []
                if let asOf {
                    homes.append(
                        """
                        SELECT member_id FROM member_cell WHERE cell_id = ?
                            AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to > ?)
                        """
                    )
                    arguments += [cell, asOf, asOf]
                } else if query.includeAttached {
                    homes.append("SELECT id FROM member WHERE cell_id = ?")
                    arguments += [cell]
                } else {
                    conditions.append("m.cell_id = ?")
                    arguments += [cell]
                }
                if query.includeAttached {
                    homes.append("SELECT member_id FROM member_event WHERE kind = ? AND other_unit_id = ?")
                    arguments += [StatusEventKind.temporaryTransferOut.rawValue, cell]
                }
                if !homes.isEmpty { conditions.append("m.id IN (\(homes.joined(separator: " UNION ")))") }
            }
            // A status on a past date is derived from the events, in Swift, after the query.
            if !query.statuses.isEmpty && asOf == nil {
                conditions.append("m.status IN (\(query.statuses.map { _ in "?" }.joined(separator: ", ")))")
                for status in query.statuses { arguments += [status.rawValue] }
            }
            // Each query word must start a word of the folded name.
            for word in SearchKeys.fold(query.nameQuery).split(separator: " ") {
                conditions.append("(' ' || m.name_key) LIKE ? ESCAPE '!'")
                arguments += ["% " + Self.escapeLike(String(word)) + "%"]
            }
            if !query.includeVoided { conditions.append("m.voided = 0") }
            if let after = PageToken.parse(query.pageToken) {
                conditions.append("(m.sort_key > ? OR (m.sort_key = ? AND m.id > ?))")
                arguments += [after.sortKey, after.sortKey, after.id]
            }
            let limit = max(1, min(query.pageSize, 1000))
            let sql = """
                SELECT m.id, m.sort_key, m.record FROM member m
                \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY m.sort_key, m.id LIMIT \(limit + 1)
                """
            let rows = try SQLRow.fetchAll(db, sql: sql, arguments: arguments)
            var members = try rows.prefix(limit).map { row in
                try Member(serializedBytes: [UInt8](row["record"] as Data))
            }
            if let cell = query.cellID, query.includeAttached {
                // Keep members of other cells only while they are attached here.
                let day = asOf ?? "9999-12-31"
                members = members.filter { member in
                    Self.isHome(member, cell: cell, asOf: asOf)
                        || ExpectedAttendance.entry(for: member, cellID: cell, dateKey: day)?.category
                            == .temporarilyAttached
                }
            }
            if let asOf {
                // As of a date, a record whose first event came later did not exist yet.
                members = members.map { Self.asOf(asOf, $0) }.filter { $0.status != .unspecified }
                if !query.statuses.isEmpty { members = members.filter { query.statuses.contains($0.status) } }
            }
            var next = ""
            if rows.count > limit, let last = rows.prefix(limit).last {
                next = PageToken.make(sortKey: last["sort_key"], id: last["id"])
            }
            return Page(records: members, nextPageToken: next)
        }
    }

    // MARK: Helpers

    /// Whether `cell` is the member's own cell (on the date, or now).
    static func isHome(_ member: Member, cell: String, asOf: String?) -> Bool {
        guard let asOf else { return member.cellId == cell }
        return ExpectedAttendance.cell(of: member, dateKey: asOf) == cell
    }

    /// The member as of a date: the status then and the cell then.
    static func asOf(_ dateKey: String, _ member: Member) -> Member {
        var member = member
        let past = member.events.filter { event in (DateKeys.key(event.effectiveOn) ?? "") <= dateKey }
        member.status = (try? MemberLifecycle.replay(past).status) ?? .unspecified
        member.cellId = ExpectedAttendance.cell(of: member, dateKey: dateKey) ?? ""
        return member
    }

    private static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "!" { escaped.append("!") }
            escaped.append(character)
        }
        return escaped
    }

    static func loadMember(_ db: any SQLDatabase, sql: String, _ key: String) throws -> Member? {
        guard let data = try Data.fetchOne(db.cachedStatement(sql: sql), arguments: [key]) else { return nil }
        return try Member(serializedBytes: [UInt8](data))
    }

    /// The stored member, checked to be at `revision` and not voided.
    static func loadCurrentMember(_ db: any SQLDatabase, id: String, revision: Int64) throws -> Member {
        guard let stored = try loadMember(db, sql: "SELECT record FROM member WHERE id = ?", id) else {
            throw StoreError.notFound(entity: "member", id: id)
        }
        try requireCurrent(stored.meta, entity: "member", id: id, revision: revision)
        return stored
    }

    static func checkPartyCard(_ db: any SQLDatabase, _ number: String, excluding id: String?) throws {
        guard !number.isEmpty else { return }
        if let owner = try String.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM member WHERE party_card_number = ?"),
            arguments: [number]
        ), owner != id {
            throw StoreError.alreadyExists(entity: "member with party card number", key: number)
        }
    }

    static func checkCell(_ db: any SQLDatabase, _ cellID: String) throws {
        guard !cellID.isEmpty else { return }
        try checkCell(try loadOrgUnit(db, id: cellID), id: cellID)
    }

    /// Refuses a member's cell that is missing, voided, or not a cell or party group.
    static func checkCell(_ unit: OrgUnit?, id cellID: String) throws {
        guard let unit, unit.meta?.voided != true else {
            throw StoreError.failedPrecondition("cell \(cellID) does not exist")
        }
        guard unit.kind == .cell || unit.kind == .partyGroup else {
            throw StoreError.failedPrecondition("\(cellID) is not a cell; members belong to cells")
        }
    }

    /// Derives family, middle and given names from the full name when they are empty.
    static func fillNames(_ member: inout Member) {
        guard member.familyName.isEmpty && member.middleName.isEmpty && member.givenName.isEmpty else { return }
        (member.familyName, member.middleName, member.givenName) = SearchKeys.splitFullName(member.fullName)
    }

    static func bumpRevision(_ meta: inout RecordMeta?, context: MutationContext) {
        var updated = meta ?? RecordMeta()
        updated.revision += 1
        updated.updatedAtMs = context.nowMs
        updated.updatedBy = context.actor
        meta = updated
    }

    /// The key members are listed by.
    public static func sortKey(of member: Member) -> String {
        SearchKeys.vietnameseSortKey(
            familyName: member.familyName,
            middleName: member.middleName,
            givenName: member.givenName
        )
    }

    static func writeMember(_ db: any SQLDatabase, _ member: Member, insert: Bool) throws {
        let sortKey = sortKey(of: member)
        let arguments: SQLArguments = [
            member.partyCardNumber.isEmpty ? nil : member.partyCardNumber, member.cellId.isEmpty ? nil : member.cellId,
            member.status.rawValue, SearchKeys.fold(member.fullName), sortKey, member.meta?.voided == true ? 1 : 0,
            member.meta?.revision ?? 1, Data(try member.serializedBytes()),
            member.citizenId.isEmpty ? nil : member.citizenId, member.id,
        ]
        if insert {
            try db.cachedStatement(
                sql: """
                    INSERT INTO member (party_card_number, cell_id, status, name_key, sort_key, voided, revision, record,
                        citizen_id, id, no)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: SQLArguments(values: arguments.values + [try nextNumber(db, table: "member").sqlValue])
            )
        } else {
            try supersede(db, entity: "member", id: member.id)
            try db.cachedStatement(
                sql: """
                    UPDATE member SET party_card_number = ?, cell_id = ?, status = ?, name_key = ?, sort_key = ?,
                        voided = ?, revision = ?, record = ?, citizen_id = ? WHERE id = ?
                    """
            ).execute(
                arguments: arguments
            )
        }
        // A new member has no periods or events to replace.
        if !insert {
            try db.cachedStatement(sql: "DELETE FROM member_cell WHERE member_id = ?").execute(arguments: [member.id])
            try db.cachedStatement(sql: "DELETE FROM member_event WHERE member_id = ?").execute(arguments: [member.id])
        }
        for period in member.cellHistory {
            try db.cachedStatement(
                sql: "INSERT INTO member_cell (member_id, cell_id, valid_from, valid_to) VALUES (?, ?, ?, ?)"
            ).execute(arguments: [
                member.id, period.cellId, DateKeys.key(period.valid?.from), DateKeys.key(period.valid?.to),
            ]
            )
        }
        for event in member.events {
            try db.cachedStatement(
                sql: """
                    INSERT INTO member_event (id, member_id, kind, effective_on, other_unit_id, record)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                event.id, member.id, event.kind.rawValue, DateKeys.key(event.effectiveOn) ?? "",
                event.otherUnitId.isEmpty ? nil : event.otherUnitId, Data(try event.serializedBytes()),
            ]
            )
        }
    }
}
