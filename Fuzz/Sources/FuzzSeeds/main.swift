// Writes the seed corpus: for each hand-written message below, one file with its binary encoding
// and one with its JSON, each behind the byte that selects its type (see `FuzzInput`).
// Usage: FuzzSeeds <output directory>

import ChiboCodec
import Foundation
import FuzzSupport

/// Seed messages as proto3 JSON, by full message name; the file stem says which one it is.
let seeds: [(stem: String, type: String, json: String)] = [
    ("date", "chibo.v1.Date", #"{"year":2024,"month":2,"day":29}"#),
    ("field-mask", "chibo.v1.FieldMask", #"{"paths":["fullName","cellId","meta.revision"]}"#),
    (
        "member", "chibo.v1.Member",
        #"""
        {"id":"M-0001","partyCardNumber":"79.012345","citizenId":"079190001234","fullName":"Nguyễn Thị Hồng Nhung",
         "familyName":"Nguyễn","middleName":"Thị Hồng","givenName":"Nhung","gender":"GENDER_FEMALE",
         "birthDate":{"year":1990,"month":7,"day":2},"ethnicity":"Kinh","homePlace":"Xã Tân Phú, Huyện Đức Hòa",
         "phone":"+84 912 345 678","admittedOn":{"year":2015,"month":5,"day":19},"officialOn":{"year":2016,"month":5,"day":19},
         "cellId":"U-C07","positions":[{"kind":"POSITION_KIND_SECRETARY","unitId":"U-C07","valid":{"from":{"year":2020,"month":1,"day":1}}}],
         "events":[{"id":"E1","kind":"STATUS_EVENT_KIND_ADMITTED","effectiveOn":{"year":2015,"month":5,"day":19},"decisionRef":"QĐ 12-QĐ/ĐU"},
                   {"id":"E2","kind":"STATUS_EVENT_KIND_WORKING_AWAY","place":"Bình Dương","expectedReturnOn":{"year":2025,"month":1,"day":1}}],
         "status":"MEMBER_STATUS_OFFICIAL","note":"","meta":{"revision":"3","createdAtMs":"1700000000000","updatedAtMs":"1710000000000","updatedBy":"admin"}}
        """#
    ),
    (
        "meeting", "chibo.v1.Meeting",
        #"""
        {"id":"MT-2024-03","cellId":"U-C07","heldOn":{"year":2024,"month":3,"day":5},"startMinute":1140,"endMinute":1275,
         "kind":"MEETING_KIND_COMBINED","topic":"Học tập chuyên đề năm 2024","place":"Nhà văn hóa ấp 3",
         "agenda":[{"number":1,"title":"Kiểm điểm tháng 2","summary":"Đạt"},{"number":2,"title":"Chuyên đề"}],
         "chairMemberId":"M-0001","recorderMemberId":"M-0002",
         "guests":[{"fullName":"Trần Văn Bình","role":"Ủy viên BTV Đảng ủy xã","isSupervisor":true}],
         "attendance":[{"memberId":"M-0001","state":"ATTENDANCE_STATE_PRESENT","category":"MEMBER_CATEGORY_OFFICIAL","spoke":true,"fullName":"Nguyễn Thị Hồng Nhung"},
                       {"memberId":"M-0002","state":"ATTENDANCE_STATE_ABSENT_EXCUSED","reason":"Ốm","category":"MEMBER_CATEGORY_PROBATIONARY"},
                       {"memberId":"M-0003","state":7,"category":"MEMBER_CATEGORY_WORKING_AWAY"}],
         "contributions":[{"memberId":"M-0001","speakerName":"Nhung","summary":"Đề nghị tăng cường kiểm tra"}],
         "minutes":"Biên bản…","resolutions":[{"id":"R1","text":"Hoàn thành báo cáo","ownerName":"Chi ủy","dueOn":{"year":2024,"month":4,"day":1},"status":"RESOLUTION_STATUS_OPEN"}],
         "minutesApproved":true,"qualityScore":0,"meta":{"revision":"1","voided":true,"voidReason":"nhập trùng","voidedAtMs":"-1"}}
        """#
    ),
    (
        "org-unit", "chibo.v1.OrgUnit",
        #"""
        {"id":"U-C07","code":"C07","name":"Chi bộ ấp 3","kind":"ORG_UNIT_KIND_CELL","parentId":"U-X01",
         "parentHistory":[{"parentId":"U-X00","valid":{"from":{"year":2010,"month":1,"day":1},"to":{"year":2019,"month":12,"day":31}}}],
         "meetingDay":5,"supervisors":[{"id":"S1","memberId":"M-0100","fullName":"Trần Văn Bình","valid":{"from":{"year":2020,"month":10,"day":1}}}],
         "valid":{"from":{"year":2010,"month":1,"day":1}},"origin":"ORG_UNIT_CHANGE_KIND_SPLIT","predecessorIds":["U-C01"],
         "end":"ORG_UNIT_CHANGE_KIND_UNSPECIFIED","successorIds":[],"note":"tách từ chi bộ ấp 1"}
        """#
    ),
    (
        "evaluation-score", "chibo.v1.Evaluation",
        #"{"id":"EV1","subject":"EVALUATION_SUBJECT_MEMBER","subjectId":"M-0001","year":2023,"score":87.25,"cleanAndStrong":false,"cellId":"U-C07"}"#
    ),
    (
        "evaluation-grade", "chibo.v1.Evaluation",
        #"{"id":"EV2","subject":"EVALUATION_SUBJECT_ORG_UNIT","subjectId":"U-C07","year":2023,"grade":"GRADE_EXCELLENT","cleanAndStrong":true}"#
    ),
    (
        "rule-set", "chibo.v1.RuleSet",
        #"""
        {"id":"RS-2024","scopeUnitId":"U-X01","effectiveFrom":{"year":2024,"month":1,"day":1},"source":"HD 12-HD/BTCTW",
         "goodAttendanceBp":8000,"thematicEveryMonths":3,"regularEveryMonths":1,"minMeetingMinutes":90,"minCombinedMeetingMinutes":120,
         "excellentMemberCapBp":2000,"excellentCapBase":"EXCELLENT_CAP_BASE_OF_GOOD","excellentCellMinGoodBp":5000,
         "scoreExcellentMin":90,"scoreGoodMin":70.5,"scoreCompletedMin":"NaN","probationMonths":12,"maxExcusedAbsencesInRow":3,"unexcusedMonthsAtRisk":3}
        """#
    ),
    (
        "grading-row", "chibo.v1.GradingRow",
        #"""
        {"unitId":"U-X01","year":2023,"members":[{"grade":"GRADE_EXCELLENT","count":4},{"grade":"GRADE_GOOD","count":30}],
         "cells":[{"grade":"GRADE_GOOD","count":6}],"cleanAndStrongCells":5,
         "violations":[{"kind":"FLAG_KIND_SHORT_MEETING","unitId":"U-C07","period":{"kind":"PERIOD_KIND_MONTH","year":2023,"index":4},"on":{"year":2023,"month":4,"day":5},"detail":"75 phút"}],
         "ruleSetId":"RS-2024"}
        """#
    ),
    (
        "attendance-row", "chibo.v1.AttendanceRow",
        #"{"unitId":"U-C07","unitName":"Chi bộ ấp 3","period":{"kind":"PERIOD_KIND_QUARTER","year":2024,"index":1},"meetings":3,"expected":60,"present":55,"absentExcused":4,"absentUnexcused":1,"rateBp":9166,"spoke":20}"#
    ),
    (
        "list-members", "chibo.v1.ListMembersRequest",
        #"{"page":{"pageSize":50,"pageToken":"abc"},"subtreeOf":"U-X01","statuses":["MEMBER_STATUS_OFFICIAL","MEMBER_STATUS_PROBATIONARY",-3],"nameQuery":"Nhung","asOf":{"year":2024,"month":6,"day":30},"includeVoided":true}"#
    ),
    (
        "update-member", "chibo.v1.UpdateMemberRequest",
        #"{"options":{"requestId":"req-1","validateOnly":true},"member":{"id":"M-0001","phone":"0912"},"updateMask":{"paths":["phone"]}}"#
    ),
    (
        "split-org-unit", "chibo.v1.SplitOrgUnitRequest",
        #"{"options":{"requestId":"req-2"},"sourceId":"U-C01","successors":[{"name":"Chi bộ ấp 3A"},{"name":"Chi bộ ấp 3B","meetingDay":10}],"effectiveOn":{"year":2024,"month":7,"day":1}}"#
    ),
    (
        "server-info", "chibo.v1.ServerInfoResponse",
        #"{"serverVersion":"1.0.0","protocolVersion":1,"storage":"sqlite","uptimeMs":"9007199254740993","maxFrameBytes":4294967295,"maxConcurrentCalls":100,"initialWindow":16,"schemaVersion":-1}"#
    ),
    (
        "status", "chibo.v1.Status",
        #"{"code":"STATUS_CODE_INVALID_ARGUMENT","message":"sai dữ liệu","violations":[{"field":"member.fullName","description":"trống"},{"field":"member.birthDate"}]}"#
    ),
    (
        "frame-hello", "chibo.v1.Frame",
        #"{"callId":1,"hello":{"protocolVersion":1,"clientName":"chibo-cli","token":"t0k3n"}}"#
    ),
    (
        "frame-open", "chibo.v1.Frame",
        #"{"callId":7,"open":{"method":"METHOD_ORG_UNITS_GET","timeoutMs":5000,"payload":"CgVVLUMwNw=="}}"#
    ),
    (
        "frame-close", "chibo.v1.Frame",
        #"{"callId":7,"close":{"payload":"","status":{"code":"STATUS_CODE_NOT_FOUND","message":"không có"}}}"#
    ),
    ("frame-ping", "chibo.v1.Frame", #"{"callId":0,"ping":{"opaque":"18446744073709551615"}}"#),
    ("frame-cancel", "chibo.v1.Frame", #"{"callId":3,"cancel":{}}"#),
    ("health-check", "chibo.v1.HealthCheckRequest", "{}"),
]

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: FuzzSeeds <output directory>\n".utf8))
    exit(2)
}
let directory = URL(fileURLWithPath: arguments[1], isDirectory: true)
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

/// Decodes `json` as `M` and returns its binary and compact JSON encodings.
func encodings<M: ProtoMessage>(_ type: M.Type, json: String) throws -> (binary: [UInt8], json: [UInt8]) {
    let message = try M(jsonString: json)
    return (try message.serializedBytes(), message.jsonUTF8(options: .init()))
}

var written = 0
for seed in seeds {
    guard let type = MessageRegistry.type(named: seed.type) else { fatalError("no message type \(seed.type)") }
    let selector = FuzzInput.selector(for: type)
    let (binary, json) = try encodings(type, json: seed.json)
    for (suffix, payload) in [("binpb", binary), ("json", json)] {
        let bytes = [selector] + payload
        // Each seed must pass the fuzzer's own checks.
        bytes.withUnsafeBytes { _ = RoundTripCheck.run($0) }
        try Data(bytes).write(to: directory.appendingPathComponent("\(seed.stem).\(suffix)"))
        written += 1
    }
}
print("wrote \(written) seeds to \(directory.path)")
