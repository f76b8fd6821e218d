import ChiboModel
import ChiboStore

/// The behaviour every `Store` backend must share, as one suite: SQLite and PostgreSQL run the
/// same checks, so services answer alike whatever the backend. Each check gets a fresh store.
///
/// Hand-written without the testing library so that any backend's test target can run it and
/// report the failures with its own expectations.
public enum StoreConformance {
    /// One failed check.
    public struct Failure: Hashable, Sendable, CustomStringConvertible {
        /// The check that failed.
        public var check: String
        /// What went wrong.
        public var message: String
        /// The check and the message.
        public var description: String { "\(check): \(message)" }
    }

    /// Runs every check, each on a store from `makeStore`; returns the failures.
    public static func run(makeStore: @Sendable () async throws -> any Store) async -> [Failure] {
        var failures: [Failure] = []
        for check in checks {
            var recorder = Recorder(check: check.name)
            do {
                let store = try await makeStore()
                try await check.body(store, &recorder)
            } catch {
                recorder.fail("threw \(error)")
            }
            failures += recorder.failures
        }
        return failures
    }

    /// The names of the checks, for reports.
    public static var checkNames: [String] { checks.map(\.name) }

    struct Check: Sendable {
        var name: String
        var body: @Sendable (any Store, inout Recorder) async throws -> Void
    }

    /// Collects the failures of one check.
    struct Recorder {
        let check: String
        var failures: [Failure] = []

        mutating func fail(_ message: String) {
            failures.append(Failure(check: check, message: message))
        }

        mutating func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
            if !condition { fail(message()) }
        }

        /// Expects `body` to throw a `StoreError` satisfying `matches`.
        mutating func expectStoreError(
            _ what: String,
            _ matches: (StoreError) -> Bool,
            _ body: () async throws -> Void
        ) async {
            do {
                try await body()
                fail("\(what): no error")
            } catch let error as StoreError {
                if !matches(error) { fail("\(what): unexpected \(error)") }
            } catch {
                fail("\(what): unexpected \(error)")
            }
        }
    }

    static func context(
        _ requestID: String = "",
        validateOnly: Bool = false,
        at nowMs: Int64 = 1_700_000_000_000
    )
        -> MutationContext
    {
        MutationContext(requestID: requestID, validateOnly: validateOnly, actor: "conformance", nowMs: nowMs)
    }

    static func day(_ year: Int32, _ month: Int32, _ day: Int32) -> CalendarDate {
        CalendarDate(year: year, month: month, day: day)
    }

    static let checks: [Check] =
        OrgUnitChecks.all + MemberChecks.all + MeetingChecks.all + ChangeFeedChecks.all
        + OversightChecks.all + AttendanceTotalsChecks.all + ImportChecks.all + ImportSetChecks.all + ScopeChecks.all
        + CountChecks.all
}
