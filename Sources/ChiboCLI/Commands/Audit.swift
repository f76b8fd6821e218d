import ArgumentParser
import ChiboModel

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
        public static let configuration = CommandConfiguration(abstract: "List audit entries in order.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only entries after this position.") var after: Int64 = 0
        @Option(help: "At most this many entries (1 to 1000).") var limit: Int32 = 100
        @Option(help: "Only entries about this kind of record (member, meeting …).") var entity: String?
        @Option(help: "Only entries about this record.") var id: String?
        @Option(help: "Only entries made with this token name.") var actor: String?

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            let request = ListAuditRequest(
                limit: limit,
                afterSeq: after,
                entity: entity ?? "",
                entityId: id ?? "",
                actor: actor ?? ""
            )
            try await global.session { session in
                let entries = try await session.stream(.auditList, request, as: AuditEntry.self)
                session.printer.list(entries, columns: Audit.columns)
            }
        }
    }

    /// `chibo audit verify`.
    public struct Verify: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Check the hash chain of the whole log; exits 1 when an entry was altered or removed."
        )
        @OptionGroup var global: GlobalOptions

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let result = try await session.unary(
                    .auditVerify,
                    VerifyAuditRequest(),
                    as: VerifyAuditResponse.self,
                    idempotent: true
                )
                session.printer.single(
                    result,
                    columns: [
                        .text("intact", "INTACT", "NGUYÊN VẸN") { $0.intact ? "yes" : "NO" },
                        Column("entries", "ENTRIES", "SỐ MỤC", numeric: true) { r, _ in TableCell(String(r.entries)) },
                        Column("first_broken_seq", "FIRST BROKEN", "MỤC HỎNG ĐẦU", numeric: true) { r, _ in
                            TableCell(String(r.firstBrokenSeq))
                        },
                        .text("problem", "PROBLEM", "VẤN ĐỀ") { $0.problem },
                        .text("head_hash", "HEAD HASH", "MÃ BĂM CUỐI") { $0.headHash },
                    ]
                )
                if !result.intact { throw CLIFailure.local("the audit log is not intact: \(result.problem)") }
            }
        }
    }
}
