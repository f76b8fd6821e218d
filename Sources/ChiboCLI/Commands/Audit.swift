import ArgumentParser
import ChiboModel
import Foundation

/// `chibo audit`: read and check the audit log (admin and auditor tokens).
public struct Audit: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log: who changed, read or was refused what; hash-chained.",
        subcommands: [List.self, Verify.self]
    )

    /// Creates the command.
    public init() {}

    /// The columns of an audit entry.
    static let columns: [Column<AuditEntry>] = [
        Column("seq", "SEQ", "STT", numeric: true) { entry, _ in TableCell(String(entry.seq)) },
        .text("at", "AT (UTC)", "LÚC (UTC)") { Timestamps.iso(milliseconds: $0.atMs) },
        .text("actor", "ACTOR", "NGƯỜI") { $0.actor },
        .text("role", "ROLE", "VAI TRÒ") { $0.role },
        .text("peer", "FROM", "TỪ") { $0.peer },
        .text("method", "METHOD", "THAO TÁC") { $0.method },
        .text("entity", "ENTITY", "ĐỐI TƯỢNG") { $0.entity },
        .text("entity_id", "ID", "MÃ") { $0.entityId },
        .text("outcome", "OUTCOME", "KẾT QUẢ") { $0.outcome },
        .text("detail", "DETAIL", "CHI TIẾT") { $0.detail },
    ]

    /// `chibo audit list`.
    public struct List: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "List audit entries in order.",
            discussion: """
                Reads page after page (up to 1000 entries each) from --after on until the log ends or \
                --limit entries have come; when the limit stops it, a note says where the next entries \
                start (--after SEQ).
                """
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only entries after this position.") var after: Int64 = 0
        @Option(help: "At most this many entries; 0 for every one to the end.") var limit: Int = 100
        @Option(help: "Only entries about this kind of record (member, meeting …).") var entity: String?
        @Option(help: "Only entries about this record.") var id: String?
        @Option(help: "Only entries made with this token name.") var actor: String?

        /// Entries asked for in one call (the server's most).
        static let pageSize = 1000

        /// Creates the command.
        public init() {}

        /// Checks the options.
        public func validate() throws {
            if after < 0 { throw ValidationError("--after must be 0 or a position in the log") }
            if limit < 0 { throw ValidationError("--limit must be 0 (no limit) or more") }
        }

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                var entries: [AuditEntry] = []
                var next = after
                while limit == 0 || entries.count < limit {
                    let wanted = limit == 0 ? Self.pageSize : min(Self.pageSize, limit - entries.count)
                    let request = ListAuditRequest(
                        limit: Int32(wanted),
                        afterSeq: next,
                        entity: entity ?? "",
                        entityId: id ?? "",
                        actor: actor ?? ""
                    )
                    let page = try await session.stream(.auditList, request, as: AuditEntry.self)
                    entries += page
                    guard let last = page.last, page.count == wanted, last.seq > next else { break }
                    next = last.seq
                }
                session.printer.list(entries, columns: Audit.columns)
                if limit > 0 && entries.count == limit, let last = entries.last {
                    session.note("stopped at --limit \(limit): more entries may follow (--after \(last.seq))")
                }
            }
        }
    }

    /// `chibo audit verify`.
    public struct Verify: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Check the whole log; exits 1 when an entry was altered, removed or the log cut short.",
            discussion: """
                The server checks the hash chain, every entry's MAC with its audit key, and the log \
                against its last checkpoint and the one given with --checkpoint. --save-checkpoint \
                writes the signed checkpoint of the head it answers with: keep it away from the server \
                and give it back with --checkpoint next time.
                """
        )
        @OptionGroup var global: GlobalOptions

        /// The columns of a verification.
        static let columns: [Column<VerifyAuditResponse>] = [
            .text("intact", "INTACT", "NGUYÊN VẸN") { $0.intact ? "yes" : "NO" },
            Column("entries", "ENTRIES", "SỐ MỤC", numeric: true) { r, _ in TableCell(String(r.entries)) },
            Column("first_broken_seq", "FIRST BROKEN", "MỤC HỎNG ĐẦU", numeric: true) { r, _ in
                TableCell(String(r.firstBrokenSeq))
            },
            .text("problem", "PROBLEM", "VẤN ĐỀ") { $0.problem },
            .text("head_hash", "HEAD HASH", "MÃ BĂM CUỐI") { $0.headHash },
            Column("keyed_from_seq", "KEYED FROM", "CÓ KHÓA TỪ", numeric: true) { r, _ in
                TableCell(String(r.keyedFromSeq))
            },
            Column("checkpoints_checked", "CHECKPOINTS", "ĐIỂM KIỂM", numeric: true) { r, _ in
                TableCell(String(r.checkpointsChecked))
            },
            .text("checkpoint", "CHECKPOINT", "ĐIỂM KIỂM MỚI") { $0.checkpoint },
        ]

        @Option(help: "A checkpoint file kept from an earlier verify, to check the log against.")
        var checkpoint: String?
        @Option(help: "Write the signed checkpoint of the log's head to this file.")
        var saveCheckpoint: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            var request = VerifyAuditRequest()
            if let checkpoint {
                guard let data = FileManager.default.contents(atPath: checkpoint) else {
                    throw ValidationError("--checkpoint \(checkpoint): cannot read the file")
                }
                request.checkpoint = String(decoding: data, as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines
                )
            }
            try await global.session { session in
                let result = try await session.unary(
                    .auditVerify,
                    request,
                    as: VerifyAuditResponse.self,
                    idempotent: true
                )
                session.printer.single(result, columns: Self.columns)
                if !result.intact { throw CLIFailure.local("the audit log is not intact: \(result.problem)") }
                if let saveCheckpoint {
                    guard !result.checkpoint.isEmpty else {
                        throw CLIFailure.local("the server has no audit key: it signs no checkpoint")
                    }
                    do {
                        try Data((result.checkpoint + "\n").utf8).write(to: URL(fileURLWithPath: saveCheckpoint))
                    } catch {
                        throw CLIFailure.local("--save-checkpoint \(saveCheckpoint): \(error.localizedDescription)")
                    }
                }
            }
        }
    }
}
