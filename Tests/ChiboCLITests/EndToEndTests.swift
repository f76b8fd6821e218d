import ChiboCLI
import ChiboModel
import ChiboServer
import ChiboTesting
import Foundation
import Logging
import Testing

/// The built `chibo` against a real `chibo-server` on loopback: what a newcomer does from the
/// README, every output format, every exit-code path.
@Suite(.serialized) struct EndToEndTests {
    /// Org tree and members used by several tests.
    struct Fixture {
        var server: ServerProcess
        var commune: String
        var cell: String
        var hanh: String
        var on: String
        var e: String
    }

    static func fixture() throws -> Fixture {
        let server = try ServerProcess()
        let commune = try server.createdID([
            "units", "create", "--name", "Đảng bộ xã Mường Bằng", "--code", "MB", "--kind", "commune",
        ])
        let cell = try server.createdID(
            [
                "units", "create", "--name", "Chi bộ bản Bó", "--code", "MB-BO", "--kind", "cell", "--parent", commune,
                "--meeting-day", "3",
            ])
        // A name in decomposed form (NFD): tone marks as combining characters.
        _ = try server.createdID(
            [
                "units", "create", "--name", "Chi bo\u{0323}\u{0302} ba\u{0309}n Phie\u{0302}ng", "--code", "MB-PH",
                "--kind", "cell", "--parent", commune,
            ])
        let hanh = try server.createdID(
            [
                "members", "create", "--name", "Tòng Văn Hạnh", "--cell", cell, "--gender", "male", "--born",
                "1979-04-30",
                "--admitted", "2005-01-01", "--official", "2006-01-01",
            ])
        let on = try server.createdID(
            [
                "members", "create", "--name", "Lò Thị Ơn", "--cell", cell, "--gender", "female", "--admitted",
                "2010-05-01",
                "--official", "2011-05-01",
            ])
        let e = try server.createdID(
            [
                "members", "create", "--name", "Quàng Văn Ệ", "--cell", cell, "--gender", "male", "--admitted",
                "2024-05-01",
            ])
        return Fixture(server: server, commune: commune, cell: cell, hanh: hanh, on: on, e: e)
    }

    static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func aNewcomerListsCellsFindsAMemberRecordsAMeeting() throws {
        let f = try Self.fixture()
        defer { f.server.stop() }
        let server = f.server

        // List cells as a table: columns stay aligned whatever the diacritics.
        let table = try server.ok(["units", "list", "--kind", "cell", "-o", "table"])
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(table)")
        #expect(table.contains("Chi bộ bản Bó"))
        let kindColumn = DisplayWidth.of(String(lines[0][..<lines[0].range(of: "KIND")!.lowerBound]))
        for line in lines.dropFirst() {
            let prefix = line[..<line.range(of: "  cell")!.lowerBound]
            #expect(DisplayWidth.of(String(prefix)) + 2 == kindColumn, "misaligned: \(table)")
        }

        // The same list as JSON, CSV and YAML.
        let units = try #require(
            try Self.json(server.ok(["units", "list", "--kind", "cell", "-o", "json"])) as? [[String: Any]]
        )
        #expect(units.compactMap { $0["code"] as? String }.sorted() == ["MB-BO", "MB-PH"])
        let csv = try server.ok(["units", "list", "--kind", "cell", "-o", "csv"])
        #expect(csv.hasPrefix("id,code,name,kind,parent_id,parent_code,meeting_day,valid_from,voided\r\n"))
        #expect(csv.contains(",MB-BO,Chi bộ bản Bó,ORG_UNIT_KIND_CELL,\(f.commune),MB,3,,false\r\n"))
        let yaml = try server.ok(["units", "list", "--kind", "cell", "-o", "yaml"])
        #expect(yaml.contains("- id: ") && yaml.contains("  kind: ORG_UNIT_KIND_CELL"))

        // A name typed without diacritics finds the member.
        let found = try #require(
            try Self.json(server.ok(["members", "search", "tong", "van", "hanh", "-o", "json"])) as? [[String: Any]]
        )
        #expect(found.map { $0["fullName"] as? String } == ["Tòng Văn Hạnh"])
        #expect(found.first?["id"] as? String == f.hanh)
        let vietnamese = try server.ok(["members", "search", "hanh", "-o", "table", "--lang", "vi"])
        #expect(vietnamese.contains("HỌ VÀ TÊN") && vietnamese.contains("chính thức"))

        // Record a meeting: one excused (a reason with a comma), everyone else present.
        let recorded = try #require(
            try Self.json(
                server.ok([
                    "meetings", "record", "--cell", f.cell, "--on", "2025-03-03", "--start", "19:30", "--end", "21:30",
                    "--excused", "\(f.on)=ốm, nằm viện", "--rest", "present", "--spoke", f.hanh, "--chair", f.hanh,
                    "--recorder", f.hanh, "--resolution", "Sửa đường nội bản|Tổ 1|2025-04-30", "-o", "json",
                ])
            ) as? [String: Any]
        )
        let meeting = try #require(recorded["id"] as? String)
        let attendance = try #require(recorded["attendance"] as? [[String: Any]])
        #expect(attendance.count == 3)
        let states = Dictionary(
            uniqueKeysWithValues: attendance.map { ($0["memberId"] as! String, $0["state"] as! String) }
        )
        #expect(states[f.hanh] == "ATTENDANCE_STATE_PRESENT")
        #expect(states[f.e] == "ATTENDANCE_STATE_PRESENT")
        #expect(states[f.on] == "ATTENDANCE_STATE_ABSENT_EXCUSED")

        // The attendance as CSV: RFC 4180 quoting of the reason.
        let attendanceCSV = try server.ok(["meetings", "get", meeting, "--attendance", "-o", "csv"])
        #expect(attendanceCSV.hasPrefix("member_id,party_card_number,full_name,state,reason,category,spoke\r\n"))
        #expect(
            attendanceCSV.contains(
                "\(f.on),,Lò Thị Ơn,ATTENDANCE_STATE_ABSENT_EXCUSED,\"ốm, nằm viện\",MEMBER_CATEGORY_OFFICIAL,false\r\n"
            )
        )
        #expect(
            attendanceCSV.contains(
                "\(f.hanh),,Tòng Văn Hạnh,ATTENDANCE_STATE_PRESENT,,MEMBER_CATEGORY_OFFICIAL,true\r\n"
            )
        )
        let meetings = try server.ok(["meetings", "list", "--cell", f.cell, "-o", "table"])
        #expect(meetings.contains("2025-03-03") && meetings.contains("19:30–21:30") && meetings.contains("2/3"))
        let resolutions = try server.ok(["resolutions", "list", "-o", "yaml"])
        #expect(resolutions.contains("text: Sửa đường nội bản") && resolutions.contains("ownerName: Tổ 1"))

        // The change feed from the start, and after a cursor.
        let changes = try #require(
            try Self.json(server.ok(["changes", "--since", "0", "-o", "json"])) as? [[String: Any]]
        )
        #expect(changes.count == 7)
        let later = try #require(
            try Self.json(server.ok(["changes", "--since", "6", "-o", "json"])) as? [[String: Any]]
        )
        #expect(later.map { $0["change"] as? String } == ["record"])
    }

    @Test func dryRunsChangeNothing() throws {
        let f = try Self.fixture()
        defer { f.server.stop() }
        let result = try f.server.chibo([
            "members", "create", "--name", "Lường Văn Mới", "--cell", f.cell, "--admitted", "2025-01-01", "--dry-run",
            "-o", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Lường Văn Mới"))
        #expect(result.stderr.contains("dry run"))
        let members = try #require(try Self.json(f.server.ok(["members", "list", "-o", "json"])) as? [[String: Any]])
        #expect(members.count == 3)
        let update = try f.server.chibo(["units", "update", f.cell, "--name", "Chi bộ mới", "--dry-run", "-o", "json"])
        #expect(update.status == 0 && update.stdout.contains("Chi bộ mới"))
        #expect(try f.server.ok(["units", "get", f.cell, "-o", "json"]).contains("Chi bộ bản Bó"))
    }

    @Test func everyExitCodePath() throws {
        let f = try Self.fixture()
        defer { f.server.stop() }
        let server = f.server
        // 2: the command line is wrong.
        let unknown = try server.chibo(["units", "list", "--bogus"])
        #expect(unknown.status == 2 && unknown.stderr.contains("Unknown option"))
        #expect(try server.chibo(["members", "get"]).status == 2)
        #expect(try server.chibo(["meetings", "record", "--cell", f.cell, "--on", "3 March"]).status == 2)
        #expect(try server.chibo(["describe", "NoSuchThing"]).status == 2)
        // 1: a local error.
        let missing = try server.chibo(["members", "create", "--file", "/nonexistent/members.csv"])
        #expect(missing.status == 1 && missing.stderr.contains("cannot read /nonexistent/members.csv"))
        // 64 + 5: NOT_FOUND.
        let notFound = try server.chibo(["members", "get", "m-nobody"])
        #expect(notFound.status == 69)
        #expect(notFound.stderr == "error: NOT_FOUND: MEMBER: no member has the party card or the name m-nobody\n")
        // A member the verb cannot find is named by its flag before anything is sent.
        let unknownMember = try server.chibo([
            "meetings", "record", "--cell", f.cell, "--on", "2025-04-03", "--unexcused", "m-x",
        ])
        #expect(unknownMember.status == 69 && unknownMember.stderr.contains("--unexcused"))
        // 64 + 3: INVALID_ARGUMENT, each violation on its own line.
        let invalid = try server.chibo([
            "call", "Meetings/Record", "-d",
            #"{"meeting":{"cellId":"\#(f.cell)","heldOn":{"year":2025,"month":4,"day":3},"kind":"MEETING_KIND_REGULAR","#
                + #""attendance":[{"memberId":"m-x","state":"ATTENDANCE_STATE_ABSENT_UNEXCUSED"}]}}"#,
        ])
        #expect(invalid.status == 67)
        let lines = invalid.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("error: INVALID_ARGUMENT: ") == true)
        #expect(
            lines.dropFirst().contains {
                $0 == "  meeting.attendance[0].member_id: m-x was not a member of \(f.cell) on 2025-04-03"
            }
        )
        #expect(lines.dropFirst().filter { $0.hasPrefix("  meeting.attendance: ") }.count == 3)
        // 64 + 10: ABORTED for a stale revision.
        let stale = try server.chibo(["units", "update", f.cell, "--name", "X", "--revision", "99"])
        #expect(stale.status == 74 && stale.stderr.hasPrefix("error: ABORTED: "))
        // 64 + 14: UNAVAILABLE when nothing listens.
        let down = try Executables.run("chibo", ["server", "info", "--server", "127.0.0.1:1"])
        #expect(down.status == 78 && down.stderr.hasPrefix("error: UNAVAILABLE: "))
        // 0, with data on stdout only.
        let info = try server.chibo(["server", "health", "-o", "json"])
        #expect(info.status == 0 && info.stderr.isEmpty && info.stdout.contains("SERVING_STATUS_SERVING"))
    }

    @Test func changesFollowPrintsNewChangesAsTheyAreMade() throws {
        let f = try Self.fixture()
        defer { f.server.stop() }
        let follower = Process()
        follower.executableURL = Executables.url("chibo")
        follower.arguments = ["changes", "--follow", "-o", "json"]
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CHIBO_") }
        env["CHIBO_SERVER"] = f.server.address
        env["CHIBO_TOKEN"] = f.server.token
        env["CHIBO_CONFIG"] = temporaryFolder().appendingPathComponent("config.json").path
        follower.environment = env
        let output = Pipe()
        follower.standardOutput = output
        follower.standardError = FileHandle.nullDevice
        try follower.run()
        defer {
            if follower.isRunning { follower.terminate() }
            follower.waitUntilExit()
        }
        /// Reads JSON lines until one mentions `text`; returns every line read.
        func readLines(until text: String) -> [String] {
            var lines: [String] = []
            var pending = Data()
            while !lines.contains(where: { $0.contains(text) }) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                pending += chunk
                while let newline = pending.firstIndex(of: 0x0A) {
                    lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending = Data(pending[(newline + 1)...])
                }
            }
            return lines
        }
        // The history first: the fixture's units and members, one JSON object per line.
        let history = readLines(until: "Lò Thị Ơn")
        #expect(history.contains { $0.contains("\"org_unit\"") && $0.contains("MB-BO") })
        #expect(history.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] })
        // Then a change made now arrives on the open stream.
        _ = try f.server.ok([
            "units", "create", "--name", "Chi bộ bản Mới", "--code", "MB-MOI", "--kind", "cell", "--parent", f.commune,
        ])
        let live = readLines(until: "MB-MOI")
        #expect(live.contains { $0.contains("MB-MOI") && $0.contains("\"create\"") }, "\(live)")
        #expect(follower.isRunning, "--follow keeps the stream open")
    }

    @Test func tokensRolesAndTheAuditLog() throws {
        let f = try Self.fixture()
        defer { f.server.stop() }
        let auditor = try ServerProcess.makeToken(db: f.server.db, role: "auditor", name: "kiểm tra viên")
        let list = try f.server.chibo(
            ["audit", "list", "-o", "json", "--limit", "1000"],
            environment: ["CHIBO_TOKEN": auditor]
        )
        #expect(list.status == 0, "\(list.stderr)")
        let entries = try #require(try Self.json(list.stdout) as? [[String: Any]])
        #expect(
            entries.contains {
                $0["method"] as? String == "MEMBERS_CREATE" && $0["actor"] as? String == "cli-test-admin"
            }
        )
        let verify = try f.server.chibo(["audit", "verify", "-o", "json"], environment: ["CHIBO_TOKEN": auditor])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect((try Self.json(verify.stdout) as? [String: Any])?["intact"] as? Bool == true)
        // An auditor reads the log only: 4, permission denied.
        let denied = try f.server.chibo(["units", "list"], environment: ["CHIBO_TOKEN": auditor])
        #expect(denied.status == 4 && denied.stderr.hasPrefix("error: PERMISSION_DENIED: "), "\(denied.stderr)")
        // No token at all: 4, unauthenticated.
        let anonymous = try Executables.run("chibo", ["units", "list", "--server", f.server.address])
        #expect(anonymous.status == 4 && anonymous.stderr.hasPrefix("error: UNAUTHENTICATED: "), "\(anonymous.stderr)")
    }

    @Test func deniedCallsExitWithFour() async throws {
        var registry = MethodRegistry()
        registry.registerUnary(.membersGet) { (_: GetMemberRequest, _) -> MemberResponse in
            throw CallError(.unauthenticated, "a token is required")
        }
        registry.registerUnary(.orgUnitsGet) { (_: GetOrgUnitRequest, _) -> OrgUnitResponse in
            throw CallError(.permissionDenied, "your token does not cover this unit")
        }
        try await TestServer.run(registry: registry) { server in
            let env = ["CHIBO_SERVER": "127.0.0.1:\(server.port)", "CHIBO_TOKEN": "not-a-real-token"]
            // The server runs in this process: wait for the client off the concurrency pool.
            let unauthenticated = try await Executables.offThePool {
                try Executables.run("chibo", ["members", "get", "m-1"], environment: env)
            }
            #expect(unauthenticated.status == 4)
            #expect(unauthenticated.stderr == "error: UNAUTHENTICATED: a token is required\n")
            let denied = try await Executables.offThePool {
                try Executables.run("chibo", ["units", "get", "ou-1"], environment: env)
            }
            #expect(denied.status == 4 && denied.stderr.hasPrefix("error: PERMISSION_DENIED: "))
        }
    }

    @Test func callAndDescribeReachEveryMethod() throws {
        let f = try Self.fixture()
        defer { f.server.stop() }
        let server = f.server
        let listed = try #require(
            try Self.json(server.ok(["call", "Members/List", "-d", #"{"nameQuery":"hanh"}"#])) as? [[String: Any]]
        )
        #expect(listed.map { $0["id"] as? String } == [f.hanh])
        let folder = temporaryFolder()
        let request = folder.appendingPathComponent("get.json")
        try Data(#"{"id":"\#(f.cell)"}"#.utf8).write(to: request)
        let unit = try #require(
            try Self.json(server.ok(["call", "OrgUnits/Get", "-d", "@" + request.path])) as? [String: Any]
        )
        #expect((unit["unit"] as? [String: Any])?["code"] as? String == "MB-BO")
        let fromStdin = try server.ok(["call", "chibo.v1.Members/Get", "-d", "-"], stdin: #"{"id":"\#(f.on)"}"#)
        #expect(fromStdin.contains("Lò Thị Ơn"))
        let yaml = try server.ok(["call", "ServerInfo/Get", "-o", "yaml"])
        #expect(yaml.contains("storage: sqlite"))
        #expect(try server.chibo(["call", "Members/Nope"]).status == 2)
        #expect(try server.chibo(["call", "Members/Get", "-d", "{not json"]).status == 1)

        let all = try Executables.run("chibo", ["describe"])
        #expect(all.status == 0)
        for method in ["Members/List  #203", "Meetings/Record  #300", "Changes/Follow  #400", "Reports/Overview  #706"]
        {
            #expect(all.stdout.contains(method), "\(method)")
        }
        let rpc = try Executables.run("chibo", ["describe", "Members/List"]).stdout
        #expect(
            rpc.contains("rpc List(chibo.v1.ListMembersRequest → stream chibo.v1.Member);  // Members/List, Method 203")
        )
        #expect(rpc.contains("string name_query = 5;"))
        let message = try Executables.run("chibo", ["describe", "Member"]).stdout
        #expect(
            message.contains("// Full name with diacritics as written") && message.contains("string full_name = 4;")
        )
        let oneof = try Executables.run("chibo", ["describe", "Evaluation"]).stdout
        #expect(oneof.contains("oneof result {\n    // The grade given.\n    chibo.v1.Grade grade = 5;"))
        let tree = try #require(
            try Self.json(Executables.run("chibo", ["describe", "MemberStatus", "-o", "json"]).stdout) as? [String: Any]
        )
        #expect((tree["values"] as? [Any])?.count == 10)
    }

    @Test func contextsFromTheConfigFile() throws {
        let f = try Self.fixture()
        defer { f.server.stop() }
        let config = temporaryFolder().appendingPathComponent("chibo/config.json").path
        let env = ["CHIBO_CONFIG": config]
        let set = try Executables.run(
            "chibo",
            ["config", "set-context", "xa", "--server", f.server.address, "--token", f.server.token, "--use"],
            environment: env
        )
        #expect(set.status == 0, "\(set.stderr)")
        _ = try Executables.run(
            "chibo",
            ["config", "set-context", "other", "--server", "127.0.0.1:1"],
            environment: env
        )
        let attributes = try FileManager.default.attributesOfItem(atPath: config)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // No --server and no CHIBO_SERVER: the current context's server is used.
        let units = try Executables.run("chibo", ["units", "list", "-o", "json"], environment: env)
        #expect(units.status == 0 && units.stdout.contains("MB-BO"), "\(units.stderr)")
        // --context and CHIBO_CONTEXT pick another one; a flag beats both.
        #expect(try Executables.run("chibo", ["units", "list", "--context", "other"], environment: env).status == 78)
        #expect(
            try Executables.run(
                "chibo",
                ["units", "list"],
                environment: env.merging(["CHIBO_CONTEXT": "other"]) { $1 }
            ).status
                == 78
        )
        // The other context has no token: the server refuses (4) until a flag gives one.
        #expect(
            try Executables.run(
                "chibo",
                ["units", "list", "--context", "other", "--server", f.server.address],
                environment: env
            )
            .status == 4
        )
        #expect(
            try Executables.run(
                "chibo",
                ["units", "list", "--context", "other", "--server", f.server.address, "--token", f.server.token],
                environment: env
            ).status == 0
        )
        #expect(try Executables.run("chibo", ["units", "list", "--context", "nope"], environment: env).status == 2)
        let view = try Executables.run("chibo", ["config", "view"], environment: env)
        #expect(view.stdout.contains("\"current_context\": \"xa\"") && view.stdout.contains("REDACTED"))
        #expect(!view.stdout.contains(f.server.token))
        #expect(try Executables.run("chibo", ["config", "use-context", "other"], environment: env).status == 0)
        #expect(try Executables.run("chibo", ["config", "current-context"], environment: env).stdout == "other\n")
    }

    @Test func completionScriptsAndHelp() throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try Executables.run("chibo", ["--generate-completion-script", shell])
            #expect(
                script.status == 0 && script.stdout.contains("chibo") && script.stdout.contains("members"),
                "\(shell)"
            )
        }
        let help = try Executables.run("chibo", ["meetings", "record", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--dry-run") && help.stdout.contains("--rest"))
    }
}
