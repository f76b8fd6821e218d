import ChiboModel

/// Draws what a commune's year deliberately gets wrong, which members get a particular
/// history, and the cells' grades. The counts are fixed (scaled by the commune's size); the
/// seed picks the cells, months and members.
enum SampleCommuneYear {
    static func fill(
        _ commune: inout SampleCommunePlan,
        year: Int,
        forcedExcellent: Set<String> = [],
        random: inout SampleRandom
    ) {
        let villages = commune.cells.filter { $0.kind == .village }
        var anomalies = SampleAnomalies()
        // Cells missing a meeting: two miss a month's regular meeting, one a quarter's thematic.
        let troubled = random.sample(villages.filter { !forcedExcellent.contains($0.id) }, count: 3)
        for cell in troubled.prefix(2) {
            anomalies.missedRegular.append(SampleCellMonth(cellID: cell.id, month: random.int(1...12)))
        }
        anomalies.missedThematic.append(SampleCellQuarter(cellID: troubled[2].id, quarter: random.int(1...4)))
        let troubledIDs = Set(troubled.map(\.id))
        let regular = villages.filter { !troubledIDs.contains($0.id) }
        // One cell holds a quarter's thematic meeting together with its regular one.
        let combining = random.pick(regular)
        anomalies.combined.append(SampleCellQuarter(cellID: combining.id, quarter: random.int(1...4)))
        // Three meetings off the regular day and three short ones, in cells that met that month.
        var taken = Set(anomalies.missedRegular)
        for _ in 0..<3 {
            let cell = random.pick(regular)
            let month = random.int(1...12)
            let key = SampleCellMonth(cellID: cell.id, month: month)
            guard taken.insert(key).inserted else { continue }
            var day = cell.meetingDay + random.int(2...9)
            if day > 28 { day = cell.meetingDay - random.int(1...3) }
            anomalies.offDay[key] = max(1, day)
        }
        for _ in 0..<3 {
            let cell = random.pick(regular)
            let key = SampleCellMonth(cellID: cell.id, month: random.int(1...12))
            guard taken.insert(key).inserted else { continue }
            anomalies.short.append(key)
        }
        // A member in hospital for four months, and one who stopped coming without reason.
        let absentees = random.sample(regular.filter { $0.size >= 8 }, count: 2)
        let runStart = random.int(2...8)
        anomalies.excusedRun = SampleAbsenceRun(
            cellID: absentees[0].id,
            memberIndex: random.int(3...(absentees[0].size - 1)),
            months: Array(runStart...(runStart + 3))
        )
        let unexcusedMonths = random.sample(Array(1...12), count: 3).sorted()
        anomalies.unexcused = SampleAbsenceRun(
            cellID: absentees[1].id,
            memberIndex: random.int(3...(absentees[1].size - 1)),
            months: unexcusedMonths
        )
        commune.anomalies = anomalies

        // Members with a particular history, never a cell leader (the first three members).
        let scale = Double(commune.memberCount) / 316
        func count(_ base: Int) -> Int { max(1, Int((Double(base) * scale).rounded())) }
        let roles: [(SampleSpecialMember.Role, Int)] = [
            (.probationOverdue, count(2)), (.madeOfficialInYear, count(3)), (.admittedInYear, count(3)),
            (.workingAwayOverdue, count(3)), (.workingAwayReturned, count(2)), (.workingAwayNotDue, count(3)),
            (.exempt, count(5)),
        ]
        let busy: Set<String> = [
            "\(anomalies.excusedRun?.cellID ?? "")#\(anomalies.excusedRun?.memberIndex ?? -1)",
            "\(anomalies.unexcused?.cellID ?? "")#\(anomalies.unexcused?.memberIndex ?? -1)",
        ]
        var candidates: [(String, Int)] = []
        for cell in villages where cell.size > 3 {
            for index in 3..<cell.size where !busy.contains("\(cell.id)#\(index)") {
                candidates.append((cell.id, index))
            }
        }
        var chosen = random.sample(candidates, count: roles.reduce(0) { $0 + $1.1 })[...]
        var special: [SampleSpecialMember] = []
        for (role, number) in roles {
            for (cellID, index) in chosen.prefix(number) {
                special.append(SampleSpecialMember(cellID: cellID, memberIndex: index, role: role))
            }
            chosen = chosen.dropFirst(number)
        }
        commune.specialMembers = special.sorted { ($0.cellID, $0.memberIndex) < ($1.cellID, $1.memberIndex) }

        // Cell grades: over 20% excellent, 80% good or better; cells that missed a meeting only
        // completed their tasks.
        let total = commune.cells.count
        let excellent = total / 5 + 1
        let goodOrBetter = (total * 4 + 4) / 5
        var grades = [Grade](repeating: .completed, count: total)
        let eligible = commune.cells.filter { !troubledIDs.contains($0.id) }.map(\.index)
        let forced = eligible.filter { forcedExcellent.contains(commune.cells[$0].id) }
        let others = random.shuffled(eligible.filter { !forcedExcellent.contains(commune.cells[$0].id) })
        let ranked = forced + others
        for (rank, index) in ranked.enumerated() {
            if rank < excellent {
                grades[index] = .excellent
            } else if rank < goodOrBetter {
                grades[index] = .good
            }
        }
        commune.cellGrades = grades
        commune.cleanAndStrong = grades.map { grade in
            grade == .excellent || (grade == .good && random.chance(0.4))
        }
    }
}
