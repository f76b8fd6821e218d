import ChiboModel

/// A generated member and the habits the meeting and grading generators draw on.
struct SampleMemberDraft: Sendable {
    /// The member record as sent to the server.
    var member: Member
    /// Position in the cell (the ID ends with index + 1).
    var index: Int
    /// Chance of attending a meeting the member is counted at.
    var attendance: Double
    /// Chance of speaking when present.
    var speaking: Double
    /// The particular history given, if any.
    var role: SampleSpecialMember.Role?
    /// Where the member works away, for the excuse in the minutes.
    var awayPlace: String = ""
}

/// Generates the members of one cell. The same plan and cell always give the same members, so
/// the members can be generated again when the meetings need them instead of being kept.
enum SampleRoster {
    static func members(of cell: SampleCellPlan, in commune: SampleCommunePlan, plan: SamplePlan) -> [SampleMemberDraft]
    {
        var random = plan.random.derived(10, UInt64(commune.index), UInt64(cell.index))
        var roles: [Int: SampleSpecialMember.Role] = [:]
        for special in commune.specialMembers where special.cellID == cell.id {
            roles[special.memberIndex] = special.role
        }
        let year = plan.year
        return (0..<cell.size).map { index in
            member(
                index: index,
                role: roles[index],
                cell: cell,
                commune: commune,
                plan: plan,
                year: year,
                random: &random
            )
        }
    }

    private static func member(
        index: Int,
        role: SampleSpecialMember.Role?,
        cell: SampleCellPlan,
        commune: SampleCommunePlan,
        plan: SamplePlan,
        year: Int,
        random: inout SampleRandom
    ) -> SampleMemberDraft {
        let ethnicity = cell.mix.draw(&random)
        let leader = index < 3
        let female = random.chance(leader ? 0.15 : ethnicity == .mong ? 0.2 : 0.35)
        let name = SampleNames.name(ethnicity, female: female, &random)
        let age: Int =
            switch role {
            case .exempt: random.int(72...88)
            case .workingAwayOverdue, .workingAwayReturned, .workingAwayNotDue: random.int(24...42)
            case .probationOverdue, .madeOfficialInYear, .admittedInYear: random.int(20...32)
            case nil: leader ? random.int(35...60) : (random.int(23...78) + random.int(23...78)) / 2
            }
        let birthYear = year - age
        let birth = SampleCalendar.random(
            from: SampleCalendar.date(birthYear, 1, 1),
            to: SampleCalendar.date(birthYear, 12, 31),
            &random
        )
        // Admission, and the official date twelve months or a little more after it.
        let admitted: CalendarDate
        var official: CalendarDate?
        switch role {
        case .admittedInYear:
            admitted = SampleCalendar.random(
                from: SampleCalendar.date(year, 2, 1),
                to: SampleCalendar.date(year, 10, 31),
                &random
            )
        case .probationOverdue:
            admitted = SampleCalendar.random(
                from: SampleCalendar.date(year - 1, 1, 15),
                to: SampleCalendar.date(year - 1, 10, 31),
                &random
            )
        case .madeOfficialInYear:
            admitted = SampleCalendar.random(
                from: SampleCalendar.date(year - 1, 1, 1),
                to: SampleCalendar.date(year - 1, 11, 30),
                &random
            )
            let due = admitted.adding(months: 12)
            let made = due.adding(days: random.int(5...40))
            official =
                made < SampleCalendar.date(year, 12, 20)
                ? made : SampleCalendar.date(year, 12, 20)
        default:
            let earliest = birthYear + 19
            let latest = min(year - 3, birthYear + max(19, min(age - 1, 55)))
            let admittedYear = earliest >= latest ? latest : random.int(earliest...latest)
            admitted = SampleCalendar.random(
                from: SampleCalendar.date(admittedYear, 1, 1),
                to: SampleCalendar.date(admittedYear, 12, 31),
                &random
            )
            official = admitted.adding(months: 12).adding(days: random.int(0...60))
        }
        var events = [
            StatusEvent(
                id: "",
                kind: .admitted,
                effectiveOn: admitted,
                decisionRef: "\(random.int(100...999))-QĐ/HU",
                note: "Kết nạp tại \(cell.name)"
            )
        ]
        if let official {
            events.append(
                StatusEvent(kind: .madeOfficial, effectiveOn: official, decisionRef: "\(random.int(100...999))-QĐ/HU")
            )
        }
        var awayPlace = ""
        switch role {
        case .exempt:
            events.append(
                StatusEvent(
                    kind: .exempted,
                    effectiveOn: SampleCalendar.random(
                        from: SampleCalendar.date(year - 4, 1, 1),
                        to: SampleCalendar.date(year, 3, 31),
                        &random
                    ),
                    decisionRef: "\(random.int(10...99))-QĐ/ĐU",
                    note: random.pick(["Tuổi cao, sức yếu", "Ốm đau dài ngày", "Tuổi cao, có đơn đề nghị"])
                )
            )
        case .workingAwayOverdue, .workingAwayReturned, .workingAwayNotDue:
            awayPlace = random.pick(SampleNames.workAwayPlaces)
            let left: CalendarDate
            let expected: CalendarDate
            switch role {
            case .workingAwayOverdue:
                left = SampleCalendar.random(
                    from: SampleCalendar.date(year, 1, 10),
                    to: SampleCalendar.date(year, 5, 31),
                    &random
                )
                expected = left.adding(months: Int32(random.int(4...6)))
            case .workingAwayReturned:
                left = SampleCalendar.random(
                    from: SampleCalendar.date(year - 1, 11, 1),
                    to: SampleCalendar.date(year, 4, 30),
                    &random
                )
                expected = left.adding(months: 6)
            default:
                left = SampleCalendar.random(
                    from: SampleCalendar.date(year, 3, 1),
                    to: SampleCalendar.date(year, 9, 30),
                    &random
                )
                expected = SampleCalendar.random(
                    from: SampleCalendar.date(year + 1, 2, 1),
                    to: SampleCalendar.date(year + 1, 8, 31),
                    &random
                )
            }
            events.append(
                StatusEvent(
                    kind: .workingAway,
                    effectiveOn: left,
                    place: awayPlace,
                    expectedReturnOn: expected,
                    note: "Có đơn xin tạm miễn sinh hoạt, được chi bộ đồng ý"
                )
            )
            if role == .workingAwayReturned {
                events.append(
                    StatusEvent(
                        kind: .returned,
                        effectiveOn: expected.adding(days: -random.int(0...30)),
                        note: "Đã báo cáo chi bộ khi trở về"
                    )
                )
            }
        default:
            break
        }
        var positions: [Position] = []
        let cellTerm = DateRange(from: SampleCalendar.date(year - 2, 5, 1))
        switch index {
        case 0: positions.append(Position(kind: .secretary, unitId: cell.id, valid: cellTerm))
        case 1: positions.append(Position(kind: .deputySecretary, unitId: cell.id, valid: cellTerm))
        case 2 where cell.size >= 9:
            positions.append(Position(kind: .committeeMember, unitId: cell.id, valid: cellTerm))
        default: break
        }
        if cell.index == 0 && index < commune.standingCommittee {
            let communeTerm = DateRange(from: SampleCalendar.date(year - 4, 7, 15))
            if index == 0 { positions.append(Position(kind: .secretary, unitId: commune.id, valid: communeTerm)) }
            if index == 1 { positions.append(Position(kind: .deputySecretary, unitId: commune.id, valid: communeTerm)) }
            positions.append(Position(kind: .standingCommittee, unitId: commune.id, valid: communeTerm))
        }
        let home: String =
            switch (ethnicity, cell.kind) {
            case (.kinh, _) where random.chance(0.6): "tỉnh \(random.pick(SampleNames.kinhHomeProvinces))"
            case (_, .village): "\(cell.placeName), xã \(commune.placeName), \(commune.region)"
            case (_, .agency): "xã \(commune.placeName), \(commune.region)"
            }
        let centuryDigit = (birthYear >= 2000 ? 2 : 0) + (female ? 1 : 0)
        // The last six digits come from the member's serial (unique in the dataset, like the
        // card number) through a bijection of 0..<1,000,000 (7,919 is prime to 10^6), so no two
        // members share a citizen ID; a random draw would give the province's 250,000 members a
        // few hundred shared IDs. The draw is still made, so the rest of the stream is unchanged.
        _ = random.below(1_000_000)
        let serial = cell.cardSerialBase + index
        let citizenID =
            plan.citizenPrefix + String(centuryDigit) + ProvinceAtScale.pad(birthYear % 100, 2)
            + ProvinceAtScale.pad((serial * 7_919 + 104_729) % 1_000_000, 6)
        let phone =
            random.chance(0.85)
            ? random.pick(phonePrefixes) + ProvinceAtScale.pad(random.below(10_000_000), 7) : ""
        let member = Member(
            id: "\(cell.id)-m\(ProvinceAtScale.pad(index + 1, 2))",
            partyCardNumber: plan.cardPrefix + ProvinceAtScale.pad(cell.cardSerialBase + index, 6),
            citizenId: citizenID,
            fullName: name.full,
            familyName: name.family,
            middleName: name.middle,
            givenName: name.given,
            gender: female ? .female : .male,
            birthDate: birth,
            ethnicity: ethnicity.rawValue,
            homePlace: home,
            phone: phone,
            admittedOn: admitted,
            officialOn: official,
            cellId: cell.id,
            positions: positions,
            events: events
        )
        let habit = 0.915 + (random.unit() - 0.5) * 0.1
        return SampleMemberDraft(
            member: member,
            index: index,
            attendance: leader ? 0.98 : habit,
            speaking: leader ? 0.8 : 0.15 + random.unit() * 0.35,
            role: role,
            awayPlace: awayPlace
        )
    }

    static let phonePrefixes = [
        "096", "097", "098", "086", "091", "094", "088", "032", "033", "034", "035", "036", "037", "038", "039",
        "081", "082", "083", "084", "085",
    ]
}
