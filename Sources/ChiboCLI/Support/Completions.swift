import ArgumentParser
import ChiboModel
import Dispatch
import Foundation

/// Shell completion of what a clerk types from the server the environment or the current
/// context names (CHIBO_SERVER, CHIBO_TOKEN, the config file): unit codes, and party-card
/// numbers. Nothing is offered when no server answers within two seconds.
enum Completions {
    /// Unit codes the token may read, starting with what was typed.
    static let unitCodes = CompletionKind.custom { _, _, prefix in
        fetch { session in
            try await session.readableUnits().map(\.code).filter { !$0.isEmpty }
        }
        .filter { $0.uppercased().hasPrefix(prefix.uppercased()) }.sorted()
    }

    /// Party-card numbers of the members the token may read, starting with what was typed.
    static let cardNumbers = CompletionKind.custom { _, _, prefix in
        fetch { session in
            try await session.list(.membersList, ListMembersRequest(), as: Member.self).map(\.partyCardNumber)
                .filter { !$0.isEmpty }
        }
        .filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Runs `body` against the configured server with a short deadline; empty on any failure.
    /// Completion is synchronous in the argument parser, so the calls run on a task of their own
    /// and the parser waits for them, at most two seconds.
    private static func fetch(_ body: @escaping @Sendable (Session) async throws -> [String]) -> [String] {
        let result = Box()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let silent = Console(out: { _ in }, err: { _ in })
            if let options = try? GlobalOptions.parse(["--timeout", "2"]),
                let session = try? Session(options, console: silent, isTerminal: false)
            {
                result.set((try? await body(session)) ?? [])
                await session.close()
            }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 2.5)
        return result.get()
    }

    /// The answer, handed from the task to the waiting parser.
    private final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String] = []

        func set(_ values: [String]) {
            lock.lock()
            self.values = values
            lock.unlock()
        }

        func get() -> [String] {
            lock.lock()
            defer { lock.unlock() }
            return values
        }
    }
}
