import ChiboCLI
import ChiboModel
import ChiboServer
import ChiboTesting
import ChiboWire
import Foundation
import Logging
import Testing

@testable import ChiboImportClient

/// `--undo` and `--resume` against a stand-in server answering Import.Undo and Import.Status
/// with fixed messages (the real Import.Undo is tested where the server implements it).
@Suite struct UndoTests {
    static let id = "0b6c8f4e-8d63-4c1e-9d0e-4b8b5f0f2a11"

    static func withServer(_ body: @Sendable (String) async throws -> Void) async throws {
        var registry = MethodRegistry()
        registry.registerUnary(.importUndo) { (request: UndoImportRequest, _) in
            guard request.importId == Self.id else { throw CallError(.notFound, "no such import") }
            return UndoImportResponse(
                checkpoint: ImportCheckpoint(importId: request.importId, undoneAtMs: request.dryRun ? 0 : 1),
                voided: 12,
                restored: 3,
                conflicts: [
                    UndoConflict(entity: "member", recordId: "m-1", message: "changed after the import (revision 3)")
                ],
                dryRun: request.dryRun
            )
        }
        registry.registerUnary(.importStatus) { (request: GetImportStatusRequest, _) in
            ImportCheckpoint(importId: request.importId, entity: .members, lastBatch: 4, undoneAtMs: 1)
        }
        try await TestServer.run(registry: registry) { server in
            try await body("127.0.0.1:\(server.port)")
        }
    }

    @Test func undoPrintsWhatWasVoidedRestoredAndLeftAlone() async throws {
        try await Self.withServer { server in
            let out = Output()
            let summary = temporaryFolder().appendingPathComponent("undo.json").path
            let code = await ImportCommand.run(
                arguments: ["--undo", Self.id, "--server", server, "--summary-json", summary],
                environment: ["CHIBO_CONFIG": "/nonexistent/config.json"],
                console: out.console
            )
            #expect(code == ImportExit.someRefused)
            #expect(out.text.contains("voided 12, restored 3, 1 left alone"), "\(out.text)")
            #expect(out.text.contains("member m-1: changed after the import (revision 3)"))
            let voided = try jsonObject(summary)["voided"] as? Int
            #expect(voided == 12)

            let dry = Output()
            _ = await ImportCommand.run(
                arguments: ["--undo", Self.id, "--server", server, "--dry-run"],
                environment: ["CHIBO_CONFIG": "/nonexistent/config.json"],
                console: dry.console
            )
            #expect(dry.text.contains("dry run: nothing changed"))
            #expect(dry.text.contains("would void 12, would restore 3"))

            let unknown = await ImportCommand.run(
                arguments: ["--undo", UUID().uuidString, "--server", server],
                environment: ["CHIBO_CONFIG": "/nonexistent/config.json"],
                console: Output().console
            )
            #expect(unknown == ImportExit.failed)
        }
    }

    @Test func anUndoneImportIsNotResumed() async throws {
        try await Self.withServer { server in
            let file = try writeFile(
                "roster.csv",
                Array("Số thẻ đảng viên,Họ và tên,Chi bộ\n01,Lò Văn Một,MB-BO\n".utf8)
            )
            let out = Output()
            let code = await ImportCommand.run(
                arguments: [file, "--entity", "members", "--resume", Self.id, "--server", server],
                environment: ["CHIBO_CONFIG": "/nonexistent/config.json"],
                console: out.console
            )
            #expect(code == ImportExit.failed)
            #expect(out.text.contains("was undone"))
        }
    }
}
