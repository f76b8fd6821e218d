import ChiboModel
import ChiboSample
import Foundation
import Testing

/// The Mường Bằng dataset says what the article says, and every meeting would pass the server's
/// checks.
@Suite struct MuongBangFactsTests {
    /// The records of the default dataset, by kind.
    struct Records {
        var plan: SamplePlan
        var units: [OrgUnit] = []
        var members: [Member] = []
        var supervisors: [(String, SupervisorAssignment)] = []
        var rules: [RuleSet] = []
        var meetings: [Meeting] = []
        var evaluations: [Evaluation] = []

        init(seed: UInt64 = SampleDataset.defaultSeed) {
            let dataset = SampleDataset(kind: .muongBang, seed: seed)
            plan = dataset.plan
            for record in dataset {
                switch record {
                case .orgUnit(let unit): units.append(unit)
                case .member(let member): members.append(member)
                case .supervisor(let unit, let assignment): supervisors.append((unit, assignment))
                case .ruleSet(let rules): self.rules.append(rules)
                case .meeting(let meeting): meetings.append(meeting)
                case .evaluation(let evaluation): evaluations.append(evaluation)
                }
            }
        }

        var cells: [OrgUnit] { units.filter { $0.kind == .cell } }
    }

    let records = Records()

    private func key(_ date: CalendarDate?) -> String {
        guard let date else { return "" }
        return String(format: "%04d-%02d-%02d", date.year, date.month, date.day)
    }

    @Test func theTreeHasTwentySevenCellsAndBanBo() throws {
        let units = Dictionary(uniqueKeysWithValues: records.units.map { ($0.id, $0) })
        let commune = try #require(records.units.first { $0.kind == .commune })
        #expect(commune.name == "Đảng bộ xã Mường Bằng")
        let district = try #require(units[commune.parentId])
        #expect(district.name == "Đảng bộ huyện Mai Sơn")
        #expect(units[district.parentId]?.name == "Đảng bộ tỉnh Sơn La")
        #expect(records.cells.count == 27)
        #expect(records.cells.allSatisfy { $0.parentId == commune.id && (1...28).contains($0.meetingDay) })
        #expect(Set(records.units.map(\.code)).count == records.units.count)
        let bo = try #require(records.cells.first { $0.name == "Chi bộ bản Bó" })
        #expect(bo.meetingDay == 3)
        #expect(records.members.filter { $0.cellId == bo.id }.count == 22)
        #expect(records.members.count == 316)
        #expect(Set(records.members.map(\.id)).count == 316)
        #expect(Set(records.members.map(\.partyCardNumber)).count == 316)
    }

    @Test func namesAreVietnameseWithDiacriticsInNFC() {
        var withDiacritics = 0
        for member in records.members {
            #expect(member.fullName == member.fullName.precomposedStringWithCanonicalMapping)
            #expect(member.fullName == [member.familyName, member.middleName, member.givenName].joined(separator: " "))
            if member.fullName.unicodeScalars.contains(where: { !$0.isASCII }) { withDiacritics += 1 }
            #expect(["Thái", "Kinh", "Mông"].contains(member.ethnicity))
            #expect(member.gender == .male || member.gender == .female)
            #expect(member.citizenId.count == 12)
        }
        #expect(withDiacritics * 10 > records.members.count * 9)
        // Natural keys: an import finds members by card, else citizen ID; both must be unique.
        #expect(Set(records.members.map(\.partyCardNumber)).count == records.members.count)
        #expect(Set(records.members.map(\.citizenId)).count == records.members.count)
        for unit in records.units {
            #expect(unit.name == unit.name.precomposedStringWithCanonicalMapping)
        }
        let ethnicities = Set(records.members.map(\.ethnicity))
        #expect(ethnicities == ["Thái", "Kinh", "Mông"])
        #expect(records.members.filter { $0.ethnicity == "Thái" }.count > 200)
    }

    @Test func everyCellMeetsMonthlyExceptTheMissedMonths() {
        let anomalies = records.plan.communes[0].anomalies
        #expect(!anomalies.missedRegular.isEmpty)
        for cell in records.cells {
            let regular = records.meetings.filter {
                $0.cellId == cell.id && ($0.kind == .regular || $0.kind == .combined)
            }
            let missed = anomalies.missedRegular.filter { $0.cellID == cell.id }.map(\.month)
            #expect(regular.count == 12 - missed.count, "\(cell.name)")
            #expect(Set(regular.map { $0.heldOn?.month ?? 0 }) == Set(1...12).subtracting(missed.map { Int32($0) }))
            for meeting in regular {
                let month = Int(meeting.heldOn?.month ?? 0)
                let offDay = anomalies.offDay[SampleCellMonth(cellID: cell.id, month: month)]
                #expect(Int(meeting.heldOn?.day ?? 0) == offDay ?? Int(cell.meetingDay))
            }
            // A thematic meeting every quarter, unless missed.
            for quarter in 1...4 {
                let thematic = records.meetings.filter {
                    $0.cellId == cell.id && ($0.kind == .thematic || $0.kind == .combined)
                        && (Int($0.heldOn?.month ?? 0) - 1) / 3 + 1 == quarter
                }
                let missed = anomalies.missedThematic.contains(SampleCellQuarter(cellID: cell.id, quarter: quarter))
                #expect(thematic.count == (missed ? 0 : 1))
                #expect(thematic.allSatisfy { !$0.topic.isEmpty })
            }
        }
        #expect(records.meetings.allSatisfy { $0.heldOn?.year == 2019 })
        #expect(!anomalies.offDay.isEmpty)
        #expect(records.meetings.contains { $0.endMinute - $0.startMinute < 90 })
        #expect(records.meetings.filter { $0.kind == .combined }.allSatisfy { $0.endMinute - $0.startMinute >= 120 })
    }

    @Test func attendanceIsAboutNinetyPercent() {
        let counted: Set<MemberCategory> = [.official, .probationary, .temporarilyAttached]
        let rows = records.meetings.flatMap(\.attendance).filter { counted.contains($0.category) }
        let present = rows.filter { $0.state == .present }.count
        let unexcused = rows.filter { $0.state == .absentUnexcused }.count
        let rate = Double(present) / Double(rows.count)
        #expect(rate > 0.89 && rate < 0.95, "attendance \(rate)")
        #expect(unexcused > 0 && Double(unexcused) / Double(rows.count) < 0.03)
        #expect(rows.filter { $0.state == .absentExcused }.allSatisfy { !$0.reason.isEmpty })
        #expect(rows.contains { $0.spoke })
        #expect(rows.allSatisfy { !$0.spoke || $0.state == .present })
        let notCounted = records.meetings.flatMap(\.attendance).filter { !counted.contains($0.category) }
        #expect(Set(notCounted.map(\.category)) == [.exempt, .workingAway])
    }

    @Test func everyMeetingListsExactlyTheMembersExpectedThatDay() {
        let byCell = Dictionary(grouping: records.members, by: \.cellId)
        for meeting in records.meetings {
            let dateKey = key(meeting.heldOn)
            let expected = (byCell[meeting.cellId] ?? []).compactMap {
                ExpectedAttendance.entry(for: $0, cellID: meeting.cellId, dateKey: dateKey)
            }
            let listed = meeting.attendance.map(\.memberId)
            #expect(listed.count == Set(listed).count, "\(meeting.id) lists a member twice")
            #expect(Set(listed) == Set(expected.map(\.memberID)), "\(meeting.id)")
            let categories = Dictionary(uniqueKeysWithValues: expected.map { ($0.memberID, $0.category) })
            #expect(meeting.attendance.allSatisfy { categories[$0.memberId] == $0.category })
            let present = Set(meeting.attendance.filter { $0.state == .present }.map(\.memberId))
            #expect(present.contains(meeting.chairMemberId) && present.contains(meeting.recorderMemberId))
        }
    }

    @Test func supervisorsAttendAndMembersHaveHistories() {
        #expect(records.supervisors.count == 26)
        let supervised = records.meetings.filter { $0.cellId != "mb-coquan" }
        let attended = supervised.filter { $0.guests.contains { $0.isSupervisor } }
        #expect(attended.count * 2 > supervised.count)
        let yearEnd = "2019-12-31"
        let overdueReturn = records.members.filter { member in
            guard let away = member.events.last, away.kind == .workingAway else { return false }
            return key(away.expectedReturnOn) < yearEnd
        }
        #expect(!overdueReturn.isEmpty)
        #expect(records.members.contains { $0.events.last?.kind == .returned })
        #expect(records.members.contains { $0.events.last?.kind == .exempted })
        let probationary = records.members.filter { $0.events.last?.kind == .admitted }
        #expect(probationary.contains { key($0.admittedOn) < "2018-12-31" })
        #expect(probationary.contains { key($0.admittedOn) > "2019-01-01" })
        #expect(records.members.contains { $0.events.last?.kind == .madeOfficial && key($0.officialOn) > "2019-01-01" })
        let resolutions = records.meetings.flatMap(\.resolutions)
        #expect(resolutions.contains { ($0.status == .open || $0.status == .inProgress) && key($0.dueOn) < yearEnd })
        #expect(resolutions.contains { $0.status == .done && $0.closedOn != nil })
        #expect(records.rules.count == 1)
        #expect(records.rules.first?.scopeUnitId == "mb" && records.rules.first?.goodAttendanceBp == 9000)
        #expect(key(records.rules.first?.effectiveFrom) == "2019-01-01")
    }

    @Test func gradingMatchesTheArticleAndBreaksOneReadingOfTheCap() {
        func grade(_ evaluation: Evaluation) -> Grade {
            if case .grade(let grade)? = evaluation.result { return grade }
            return .unspecified
        }
        let cells = records.evaluations.filter { $0.subject == .orgUnit }
        #expect(cells.count == 27)
        let excellentCells = cells.filter { grade($0) == .excellent }
        #expect(excellentCells.count * 5 > cells.count)
        #expect(cells.filter { grade($0) == .excellent || grade($0) == .good }.count * 5 >= cells.count * 4)
        #expect(excellentCells.contains { $0.subjectId == "mb-bo" })
        #expect(cells.contains { $0.cleanAndStrong })
        let members = records.evaluations.filter { $0.subject == .member }
        let exempt = records.members.filter { $0.events.last?.kind == .exempted }.count
        #expect(members.count == 316 - exempt)
        let excellent = members.filter { grade($0) == .excellent }.count
        let good = members.filter { grade($0) == .good }.count
        // Over 20% of those rated good; not over 20% of those rated good or better.
        #expect(excellent * 5 > good)
        #expect(excellent * 5 <= excellent + good)
        for cell in excellentCells {
            let own = members.filter { $0.cellId == cell.subjectId }
            #expect(own.allSatisfy { grade($0) != .notCompleted })
            #expect(own.filter { grade($0) == .excellent || grade($0) == .good }.count * 5 >= own.count * 4)
        }
    }
}
