/// The ethnic groups of the sample data, with the name conventions of each. Names are written
/// with their Vietnamese diacritics, precomposed (NFC).
public enum SampleEthnicity: String, CaseIterable, Sendable {
    /// Thái, the majority in the valleys of Sơn La: "Lò Văn Xuân", "Lường Thị Ánh".
    case thai = "Thái"
    /// Kinh: "Nguyễn Đức Hùng", "Trần Thu Hương".
    case kinh = "Kinh"
    /// Mông (H'Mông; "Mông" is the name on official forms), in the highland villages:
    /// "Giàng A Páo", "Sùng Thị Mỷ".
    case mong = "Mông"
}

/// A generated full name and its parts, the way Vietnamese sorting needs them.
struct SampleName: Hashable, Sendable {
    var family: String
    var middle: String
    var given: String

    var full: String { [family, middle, given].filter { !$0.isEmpty }.joined(separator: " ") }
}

/// Name pools. Frequent family names appear more than once, which weights the draw.
enum SampleNames {
    static func name(_ ethnicity: SampleEthnicity, female: Bool, _ random: inout SampleRandom) -> SampleName {
        switch ethnicity {
        case .thai:
            return SampleName(
                family: random.pick(thaiFamilies),
                middle: female ? "Thị" : "Văn",
                given: random.pick(female ? thaiFemale : thaiMale)
            )
        case .kinh:
            return SampleName(
                family: random.pick(kinhFamilies),
                middle: random.pick(female ? kinhFemaleMiddle : kinhMaleMiddle),
                given: random.pick(female ? kinhFemale : kinhMale)
            )
        case .mong:
            return SampleName(
                family: random.pick(mongFamilies),
                middle: female ? random.pick(["Thị", "Thị", "Mí"]) : random.pick(["A", "A", "A", "Seo", "Chá"]),
                given: random.pick(female ? mongFemale : mongMale)
            )
        }
    }

    static let thaiFamilies = [
        "Lò", "Lò", "Lò", "Lường", "Lường", "Lường", "Quàng", "Quàng", "Cầm", "Cầm", "Tòng", "Tòng", "Vì", "Lù",
        "Hà", "Hà", "Điêu", "Bạc", "Sa", "Mè", "Cà", "Lèo",
    ]
    static let thaiMale = [
        "Xuân", "Hạnh", "Thanh", "Pấng", "Ươi", "Khăm", "Hoan", "Sơn", "Tiến", "Phong", "Bun", "Inh", "Chung",
        "Thắng", "Ban", "Hặc", "Piếng", "Kiên", "Doan", "Thiêm", "Lún", "Chiến", "Hùng", "Minh", "Quân", "Cương",
        "Tuấn", "Đôi", "Ơn", "Pọm", "Hiên", "Hoàn", "Khiêm", "Luận", "Nọi", "Phanh", "Quý", "Sương", "Tính", "Yên",
    ]
    static let thaiFemale = [
        "Ánh", "Bua", "Chiên", "Hoa", "Hương", "Xuân", "Ỉn", "Lả", "Mai", "Nga", "Nhung", "Oản", "Phương",
        "Quyên", "Sen", "Thoa", "Tiên", "Ún", "Va", "Xiêng", "Yến", "Hom", "Pánh", "Ngân", "Lan", "Hạnh", "Thảo",
        "Vân", "Ương", "Khuyên",
    ]
    static let kinhFamilies = [
        "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Phạm", "Hoàng", "Vũ", "Đặng",
        "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Đinh", "Phan", "Trịnh",
    ]
    static let kinhMaleMiddle = ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Ngọc", "Mạnh"]
    static let kinhFemaleMiddle = ["Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Hồng", "Minh"]
    static let kinhMale = [
        "Hùng", "Dũng", "Tuấn", "Cường", "Hải", "Long", "Nam", "Sơn", "Thắng", "Trung", "Việt", "Hiếu", "Khánh",
        "Lâm", "Phúc", "Quyết", "Thịnh", "Tùng", "Vinh", "Đạt", "Bình", "Hòa", "Toàn", "Huy", "Kiên",
    ]
    static let kinhFemale = [
        "Lan", "Hương", "Hà", "Mai", "Ngọc", "Thủy", "Trang", "Yến", "Hằng", "Linh", "Nhung", "Phương", "Thảo",
        "Vân", "Liên", "Huyền", "Oanh", "Dung", "Hạnh", "Loan", "Nga", "Quỳnh",
    ]
    static let mongFamilies = [
        "Giàng", "Giàng", "Mùa", "Mùa", "Sùng", "Sùng", "Thào", "Vàng", "Vàng", "Lầu", "Hờ", "Lý", "Tráng", "Hạng",
        "Cứ",
    ]
    static let mongMale = [
        "Páo", "Dế", "Chứ", "Sử", "Lềnh", "Tủa", "Chai", "Dính", "Sình", "Súa", "Chía", "Dia", "Lử", "Nhìa", "Pó",
        "Tồng", "Vư", "Phềnh", "Xá", "Khua", "Tếnh", "Chống",
    ]
    static let mongFemale = [
        "Mỷ", "Dợ", "Pàng", "Sua", "Dua", "Say", "Chở", "Máy", "Xía", "Vá", "Pằng", "Dê", "Kia", "Mai", "Chi",
    ]

    /// Where Kinh members of the highland communes came from.
    static let kinhHomeProvinces = [
        "Thái Bình", "Nam Định", "Hưng Yên", "Hải Dương", "Phú Thọ", "Thanh Hóa", "Nghệ An", "Hà Nam", "Ninh Bình",
    ]

    /// Places members go to work away from home.
    static let workAwayPlaces = [
        "Khu công nghiệp VSIP, tỉnh Bình Dương", "Khu công nghiệp Quang Châu, tỉnh Bắc Giang",
        "Khu công nghiệp Yên Phong, tỉnh Bắc Ninh", "Thành phố Hà Nội", "Hàn Quốc (lao động có thời hạn)",
        "Khu công nghiệp Tân Tạo, Thành phố Hồ Chí Minh", "Nhật Bản (thực tập sinh)",
    ]

    /// Why a counted member missed a meeting.
    static let excuses = [
        "Ốm", "Ốm", "Đi viện", "Việc gia đình", "Đi công tác", "Đưa con đi khám bệnh", "Đám cưới người thân",
        "Đám hiếu trong dòng họ", "Thu hoạch mùa vụ", "Đi tập huấn", "Chăm bố mẹ ốm",
    ]

    /// Syllables of Thái place names, for generated bản and xã names at province scale.
    static let placeFirst = [
        "Nà", "Huổi", "Phiêng", "Pá", "Co", "Nong", "Bó", "Hua", "Tà", "Lọng", "Mường", "Chiềng", "Púng", "Híp",
        "Noong", "Bản", "Kéo", "Lả", "Nậm", "Tát",
    ]
    static let placeSecond = [
        "Sành", "Tra", "Hốc", "Khàng", "Cang", "Nặm", "Làng", "Ất", "Hường", "Đứa", "Sang", "Dạ", "Thùng", "Ún",
        "Mòn", "Hao", "Muông", "Lếch", "Pàn", "Xa", "Kham", "Bon", "Lầm", "Nưa", "Cọ", "Pục", "Tấu", "Vạt",
        "Đông", "Mai", "Khoang", "Lọng", "Mé", "Củ", "Búa", "Liếng", "Hịa", "Tòng", "Phăn", "Ban",
    ]
}
