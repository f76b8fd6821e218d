import ChiboCLI
import ChiboClient
import ChiboImport
import ChiboModel
import Foundation

/// `chibo-import FILE --entity org_changes`: a district's restructuring in one file. Each row is
/// a unit merged, a new unit of a split or a unit moved; rows of one merge (same `merged_into` and
/// date) or one split (same `split_from` and date) are one change. Each change goes to the server
/// as the same `OrgUnits.Merge`, `Split` or `Move` call `chibo units` makes, with the token's
/// scope judged on its effects as for the CLI, and a request id made of the import id and the
/// change's first row, so running the file again with `--import-id` changes nothing twice.
/// `check` reads and groups the rows without a server.
struct OrgChangeJob {
    let command: ImportCommand
    let console: Console
    let settings: ConnectionSettings?

    /// Most rows an org-changes file may have (it is read whole, to group the rows of a change).
    static let maxRows = 10_000

    /// One change: its kind and its rows.
    struct Change {
        var kind: OrgChangeKind
        var rows: [OrgChangeRow]
        var first: Int { rows[0].row }
    }

    func say(_ text: String) { console.err("chibo-import: " + text + "\n") }

    func run() async -> Int32 {
        let file = command.file ?? ""
        var options = command.readOptions
        options.entity = .orgUnits
        var refusals: [Refusal] = []
        var rows: [OrgChangeRow] = []
        do throws(ImportError) {
            let reader = try OrgChangeReader(source: .file(path: file), options: options)
            while let event = try reader.next() {
                switch event {
                case .change(let row): rows.append(row)
                case .error(let error): refusals.append(Refusal(error))
                }
                if rows.count + refusals.count > Self.maxRows {
                    throw ImportError(
                        code: .tooLarge,
                        message: "holds more than \(Self.maxRows) rows, the limit for an org-changes file",
                        file: file
                    )
                }
            }
        } catch {
            say("\(error)")
            write(
                [Refusal(row: error.row ?? 0, column: "", code: error.code.rawValue, message: error.message)],
                options
            )
            return ImportExit.failed
        }
        let changes = Self.group(rows)
        let importID = (command.resume ?? command.importID ?? UUID().uuidString).lowercased()
        var applied = 0
        if let settings {
            say("import \(importID)\(command.dryRun ? " (dry run: nothing is written)" : "")")
            let client = settings.client(clientName: ImportJob.clientName)
            for change in changes {
                do {
                    let summary = try await apply(change, importID: importID, client: client)
                    applied += 1
                    if !command.quiet { say("row \(change.first): \(summary)") }
                } catch let failure as ChangeFailure {
                    refusals += change.rows.map {
                        Refusal(
                            row: $0.row,
                            column: header(failure.field),
                            code: failure.code,
                            message: failure.message
                        )
                    }
                } catch {
                    let (code, message) = Self.describe(error)
                    refusals += change.rows.map {
                        Refusal(row: $0.row, column: header("unit"), code: code, message: message)
                    }
                    if let clientError = error as? ClientError, clientError.code == .unavailable { break }
                }
            }
            await client.close()
        }
        refusals.sort { $0.row < $1.row }
        let what = settings == nil ? "checked without a server" : command.dryRun ? "checked (dry run)" : "applied"
        say(
            "\(rows.count + Set(refusals.map(\.row)).subtracting(rows.map(\.row)).count) rows read as "
                + "\(changes.count) changes: \(settings == nil ? changes.count : applied) \(what), "
                + "\(Set(refusals.map(\.row)).count) rows refused"
        )
        if !refusals.isEmpty {
            say("refused by kind: " + ErrorKinds.line(refusals))
            if !command.quiet && command.rejectFile == nil {
                for refusal in refusals.prefix(10) {
                    say("  row \(refusal.row) \(refusal.column): \(refusal.message) [\(refusal.code)]")
                }
            }
        }
        write(refusals, options)
        return refusals.isEmpty ? ImportExit.ok : ImportExit.someRefused
    }

    /// The rows grouped into changes, in the order of each change's first row.
    static func group(_ rows: [OrgChangeRow]) -> [Change] {
        var changes: [Change] = []
        var index: [String: Int] = [:]
        for row in rows {
            guard row.change != .move else {
                changes.append(Change(kind: .move, rows: [row]))
                continue
            }
            let key =
                "\(row.change.rawValue)|\(row.target.lowercased())|\(row.effectiveOn.year)-\(row.effectiveOn.month)-\(row.effectiveOn.day)"
            if let at = index[key] {
                changes[at].rows.append(row)
            } else {
                index[key] = changes.count
                changes.append(Change(kind: row.change, rows: [row]))
            }
        }
        return changes
    }

    private struct ChangeFailure: Error {
        var field: String
        var code: String
        var message: String
    }

    private func header(_ field: String) -> String {
        ImportColumns.orgChanges.first { $0.field == field }?.labels.first ?? field
    }

    /// Sends one change; returns what it did, for a person.
    private func apply(_ change: Change, importID: String, client: ChiboClient) async throws -> String {
        let options = MutationOptions(requestId: "\(importID)-row-\(change.first)", validateOnly: command.dryRun)
        let first = change.rows[0]
        switch change.kind {
        case .move:
            let moved = try await unit(first.unit, field: "unit", client: client)
            let parent = try await unit(first.target, field: "moved_to", client: client)
            _ = try await client.unary(
                .orgUnitsMove,
                MoveOrgUnitRequest(
                    options: options,
                    id: moved.id,
                    revision: moved.meta?.revision ?? 0,
                    newParentId: parent.id,
                    effectiveOn: first.effectiveOn
                ),
                as: OrgUnitResponse.self
            )
            return "moved \(moved.code) under \(parent.code) from \(Self.text(first.effectiveOn))"
        case .merge:
            var sources: [OrgUnit] = []
            for row in change.rows { sources.append(try await unit(row.unit, field: "unit", client: client)) }
            var successor: OrgUnit
            if let existing = try await optionalUnit(first.target, client: client) {
                successor = OrgUnit(id: existing.id)
            } else {
                guard let name = change.rows.map(\.name).first(where: { !$0.isEmpty }) else {
                    throw ChangeFailure(
                        field: "name",
                        code: "missing_required",
                        message: "no unit has the code \(first.target): give the new unit's name to merge into it"
                    )
                }
                let kind = change.rows.map(\.kind).first { $0 != .unspecified } ?? sources[0].kind
                successor = OrgUnit(code: first.target, name: name, kind: kind, parentId: sources[0].parentId)
            }
            _ = try await client.unary(
                .orgUnitsMerge,
                MergeOrgUnitsRequest(
                    options: options,
                    sourceIds: sources.map(\.id),
                    successor: successor,
                    effectiveOn: first.effectiveOn
                ),
                as: OrgUnitsResponse.self
            )
            return "merged \(sources.map(\.code).joined(separator: ", ")) into \(first.target) from "
                + Self.text(first.effectiveOn)
        case .split:
            let source = try await unit(first.target, field: "split_from", client: client)
            var successors: [OrgUnit] = []
            var moves: [MemberMove] = []
            for row in change.rows {
                successors.append(
                    OrgUnit(
                        id: row.unit,
                        code: row.unit,
                        name: row.name,
                        kind: row.kind == .unspecified ? source.kind : row.kind,
                        parentId: source.parentId
                    )
                )
                for card in row.members {
                    let member = try await member(card, client: client)
                    moves.append(MemberMove(memberId: member.id, cellId: row.unit))
                }
            }
            _ = try await client.unary(
                .orgUnitsSplit,
                SplitOrgUnitRequest(
                    options: options,
                    sourceId: source.id,
                    successors: successors,
                    effectiveOn: first.effectiveOn,
                    memberMoves: moves
                ),
                as: OrgUnitsResponse.self
            )
            return "split \(source.code) into \(successors.map(\.code).joined(separator: ", ")) from "
                + Self.text(first.effectiveOn)
        }
    }

    private func unit(_ code: String, field: String, client: ChiboClient) async throws -> OrgUnit {
        guard let unit = try await optionalUnit(code, client: client) else {
            throw ChangeFailure(field: field, code: "unknown_unit", message: "no unit has the code \(code)")
        }
        return unit
    }

    private func optionalUnit(_ code: String, client: ChiboClient) async throws -> OrgUnit? {
        do {
            return try await client.unary(
                .orgUnitsGet,
                GetOrgUnitRequest(code: code),
                as: OrgUnitResponse.self,
                options: CallOptions(timeout: settings?.timeout, idempotent: true)
            ).unit
        } catch let error as ClientError where error.code == .notFound {
            return nil
        }
    }

    private func member(_ card: String, client: ChiboClient) async throws -> Member {
        do {
            let response = try await client.unary(
                .membersGet,
                GetMemberRequest(partyCardNumber: card),
                as: MemberResponse.self,
                options: CallOptions(timeout: settings?.timeout, idempotent: true)
            )
            if let member = response.member { return member }
        } catch let error as ClientError where error.code == .notFound {}
        throw ChangeFailure(field: "members", code: "unknown_member", message: "no member has the party card \(card)")
    }

    private func write(_ refusals: [Refusal], _ options: ImportOptions) {
        guard let path = command.rejectFile else { return }
        do {
            try RejectFile.write(
                refusals,
                source: .file(path: command.file ?? ""),
                options: options,
                language: command.language,
                columns: ImportColumns.orgChanges,
                to: path
            )
        } catch {
            say("cannot write the reject file: \(error)")
        }
    }

    /// A refusal's code and message from a failed call.
    static func describe(_ error: any Error) -> (String, String) {
        guard let error = error as? ClientError else { return ("invalid", "\(error)") }
        let code: String
        switch error.code {
        case .notFound: code = "unknown_unit"
        case .permissionDenied: code = "out_of_scope"
        case .alreadyExists: code = "already_exists"
        case .failedPrecondition, .aborted: code = "conflict"
        default: code = "invalid"
        }
        let violations = error.violations.map { "\($0.field): \($0.description)" }.joined(separator: "; ")
        return (code, violations.isEmpty ? error.message : "\(error.message) (\(violations))")
    }

    private static func text(_ date: CalendarDate) -> String {
        String(format: "%02d/%02d/%04d", Int(date.day), Int(date.month), Int(date.year))
    }
}
