import ChiboModel

/// Đảng bộ xã Mường Bằng as the article of 21 January 2020 describes it: 27 cells and 316
/// members under the Mai Sơn district committee of Sơn La; bản Bó's cell has 22 members and
/// meets on the 3rd of each month; standing-committee members follow the cells and attend their
/// meetings; attendance averages over 90%; over 20% of the cells are rated excellent and 80%
/// good or better; the commune sets its own attendance threshold of 90%.
///
/// The cells, their days and sizes are fixed here (they do not change with the seed): the
/// article's facts hold for every seed. The village names are real-sounding Thái names, not a
/// claim about the commune's actual villages, and the members are invented: the officials the
/// article names are deliberately not reused, so that no invented birth date or card number
/// is attached to a real person.
enum MuongBang {
    /// One row of the cell table: slug, village or agency name, kind, meeting day, members,
    /// ethnic mix (Thái, Kinh, Mông).
    private typealias Row = (slug: String, place: String, kind: SampleCellKind, day: Int, size: Int, mix: [Int])

    private static let table: [Row] = [
        ("coquan", "Cơ quan xã", .agency, 5, 24, [60, 40, 0]),
        ("bo", "bản Bó", .village, 3, 22, [95, 5, 0]),
        ("ang", "bản Áng", .village, 2, 14, [95, 5, 0]),
        ("me", "bản Mé", .village, 4, 11, [100, 0, 0]),
        ("nasanh", "bản Nà Sành", .village, 5, 10, [90, 10, 0]),
        ("nongtra", "bản Nong Tra", .village, 1, 15, [85, 15, 0]),
        ("cu", "bản Củ", .village, 6, 9, [100, 0, 0]),
        ("hia", "bản Hịa", .village, 7, 10, [95, 5, 0]),
        ("huoiun", "bản Huổi Ún", .village, 8, 8, [100, 0, 0]),
        ("pahoc", "bản Pá Hốc", .village, 2, 9, [90, 0, 10]),
        ("phiengkhang", "bản Phiêng Khàng", .village, 4, 11, [90, 10, 0]),
        ("nacang", "bản Nà Cang", .village, 5, 12, [95, 5, 0]),
        ("longnam", "bản Lọng Nặm", .village, 6, 10, [100, 0, 0]),
        ("huaat", "bản Hua Ất", .village, 7, 9, [95, 5, 0]),
        ("bua", "bản Búa", .village, 1, 16, [80, 20, 0]),
        ("lieng", "bản Liếng", .village, 9, 10, [100, 0, 0]),
        ("nahuong", "bản Nà Hường", .village, 10, 15, [85, 15, 0]),
        ("codua", "bản Co Đứa", .village, 8, 9, [95, 5, 0]),
        ("pasang", "bản Pá Sang", .village, 9, 11, [90, 10, 0]),
        ("nada", "bản Nà Dạ", .village, 10, 14, [90, 10, 0]),
        ("huoithung", "bản Huổi Thùng", .village, 6, 8, [100, 0, 0]),
        ("puhao", "bản Pú Hao", .village, 12, 10, [5, 0, 95]),
        ("comuong", "bản Co Muông", .village, 14, 9, [0, 5, 95]),
        ("huoimon", "bản Huổi Mòn", .village, 15, 8, [10, 0, 90]),
        ("thcs", "Trường THCS Mường Bằng", .agency, 8, 14, [40, 60, 0]),
        ("tieuhoc", "Trường Tiểu học Mường Bằng", .agency, 9, 12, [50, 50, 0]),
        ("quansu", "Ban Chỉ huy Quân sự xã", .agency, 10, 6, [80, 20, 0]),
    ]

    /// ID of bản Bó's cell.
    static let banBoID = "mb-bo"

    static func plan(random: SampleRandom) -> (upper: [OrgUnit], communes: [SampleCommunePlan]) {
        let province = OrgUnit(
            id: "sl",
            code: "SL",
            name: "Đảng bộ tỉnh Sơn La",
            kind: .province,
            valid: DateRange(from: SampleCalendar.date(1976, 1, 1))
        )
        let district = OrgUnit(
            id: "sl-maison",
            code: "SL-MAISON",
            name: "Đảng bộ huyện Mai Sơn",
            kind: .district,
            parentId: province.id,
            valid: DateRange(from: SampleCalendar.date(1979, 1, 1))
        )
        var serialRandom = random.derived(1)
        var serial = 100_000 + serialRandom.below(400_000)
        var cells: [SampleCellPlan] = []
        for (index, row) in table.enumerated() {
            cells.append(
                SampleCellPlan(
                    id: "mb-\(row.slug)",
                    name: "Chi bộ \(row.place)",
                    placeName: row.place,
                    kind: row.kind,
                    meetingDay: row.day,
                    size: row.size,
                    mix: SampleEthnicMix(thai: row.mix[0], kinh: row.mix[1], mong: row.mix[2]),
                    index: index,
                    cardSerialBase: serial
                )
            )
            serial += row.size
        }
        precondition(cells.reduce(0) { $0 + $1.size } == 316, "the article's commune has 316 members")
        precondition(cells.first { $0.id == banBoID }?.size == 22, "bản Bó has 22 members")
        var commune = SampleCommunePlan(
            id: "mb",
            name: "Đảng bộ xã Mường Bằng",
            placeName: "Mường Bằng",
            parentID: district.id,
            region: "huyện Mai Sơn, tỉnh Sơn La",
            cells: cells,
            standingCommittee: 5,
            anomalies: SampleAnomalies(),
            specialMembers: [],
            cellGrades: [],
            cleanAndStrong: [],
            breaksExcellentCap: true,
            localRules: RuleSet(
                id: "mb-rules-2019",
                scopeUnitId: "mb",
                effectiveFrom: SampleCalendar.date(2019, 1, 1),
                source: "Nghị quyết Đảng ủy xã Mường Bằng về nâng cao chất lượng sinh hoạt chi bộ (2019)",
                goodAttendanceBp: 9000
            ),
            index: 0
        )
        var communeRandom = random.derived(2, 0)
        SampleCommuneYear.fill(&commune, year: 2019, forcedExcellent: [banBoID], random: &communeRandom)
        return ([province, district], [commune])
    }
}
