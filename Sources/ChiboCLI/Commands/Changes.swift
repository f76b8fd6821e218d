import ArgumentParser
import ChiboClient
import ChiboModel

/// `chibo changes`: the change feed.
public struct Changes: AsyncParsableCommand {
    /// Description.
    public static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "Print the change feed after a cursor; --follow keeps printing new changes.",
        discussion: """
            Each change has a cursor (SEQ); pass the last one you have as --since to resume. With \
            --follow and -o json, each change is one JSON object on its own line (JSON Lines).
            """
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "Print the changes after this cursor (0: from the beginning).") var since: Int64 = 0
    @ArgumentParser.Flag(help: "Keep the stream open and print new changes as they are made (Ctrl-C stops).")
    var follow = false
    @Option(help: "Most changes to print without --follow (0: the server's default, 1000).") var limit: Int32 = 0

    /// Creates the command.
    public init() {}

    /// Runs it.
    public func run() async throws {
        let request = FollowChangesRequest(after: since, follow: follow, limit: limit)
        try await global.session { session in
            let printer = session.printer
            let stream: ResponseSequence<ChangeEvent>
            do {
                stream = try await session.connection().serverStream(
                    .changesFollow,
                    request,
                    as: ChangeEvent.self,
                    options: CallOptions(timeout: follow ? nil : session.timeout, idempotent: true)
                )
            } catch {
                throw Session.failure(error)
            }
            if !follow {
                var events: [ChangeEvent] = []
                do {
                    for try await event in stream { events.append(event) }
                } catch {
                    throw Session.failure(error)
                }
                printer.list(events, columns: Columns.change)
                return
            }
            var first = true
            do {
                for try await event in stream {
                    printer.console.out(Self.line(event, printer: printer, first: first))
                    first = false
                }
            } catch {
                throw Session.failure(error)
            }
        }
    }

    /// One change as streamed output: a JSON line, a YAML document, a CSV record (with the
    /// header first) or a table row (with the header first).
    static func line(_ event: ChangeEvent, printer: Printer, first: Bool) -> String {
        switch printer.format {
        case .json: return Printer.tree(event).serialized() + "\n"
        case .yaml: return "---\n" + YAMLEmitter.emit(Printer.tree(event))
        case .csv:
            let text = printer.renderList([event], columns: Columns.change)
            return first ? text : String(text.drop { $0 != "\n" }.dropFirst())
        case .table, .wide:
            let text = printer.renderList([event], columns: Columns.change)
            return first ? text : String(text.drop { $0 != "\n" }.dropFirst())
        }
    }
}

/// `chibo server`: facts about the server.
public struct Server: AsyncParsableCommand {
    /// The verbs.
    public static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "The server's version, limits and health.",
        subcommands: [Info.self, Health.self]
    )

    /// Creates the command.
    public init() {}

    /// `chibo server info`.
    public struct Info: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(abstract: "Versions, storage, limits and uptime.")
        @OptionGroup var global: GlobalOptions

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let info = try await session.unary(
                    .serverInfoGet,
                    ServerInfoRequest(),
                    as: ServerInfoResponse.self,
                    idempotent: true
                )
                session.printer.single(info, columns: Self.columns)
            }
        }

        static let columns: [Column<ServerInfoResponse>] = [
            .text("server_version", "SERVER VERSION", "PHIÊN BẢN") { $0.serverVersion },
            .text("protocol_version", "PROTOCOL", "GIAO THỨC") { String($0.protocolVersion) },
            .text("storage", "STORAGE", "LƯU TRỮ") { $0.storage },
            .text("schema_version", "SCHEMA", "LƯỢC ĐỒ") { String($0.schemaVersion) },
            .text("uptime_ms", "UPTIME (MS)", "THỜI GIAN CHẠY (MS)") { String($0.uptimeMs) },
            .text("max_frame_bytes", "MAX FRAME BYTES", "KHUNG TỐI ĐA") { String($0.maxFrameBytes) },
            .text("max_concurrent_calls", "MAX CALLS", "SỐ LỆNH TỐI ĐA") { String($0.maxConcurrentCalls) },
            .text("initial_window", "WINDOW", "CỬA SỔ") { String($0.initialWindow) },
        ]
    }

    /// `chibo server health`.
    public struct Health: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Whether the server serves calls; exits 0 only when it does."
        )
        @OptionGroup var global: GlobalOptions

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let health = try await session.unary(
                    .healthCheck,
                    HealthCheckRequest(),
                    as: HealthCheckResponse.self,
                    idempotent: true
                )
                session.printer.single(
                    health,
                    columns: [
                        Column("status", "STATUS", "TRẠNG THÁI") { h, p in
                            TableCell(
                                p.value(h.status.protoName, h.status.rawValue),
                                h.status == .serving ? .good : .alert
                            )
                        }
                    ]
                )
                if health.status != .serving { throw ExitCode(ExitCodes.error) }
            }
        }
    }
}
