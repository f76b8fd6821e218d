import ChiboCodec
import ChiboModel
import Testing

/// A message type that can make random instances of itself; conformances are generated.
protocol RandomMessage: ProtoMessage {
    /// A random message; with `full`, every field is set to a non-default value.
    static func random(using rng: inout some RandomNumberGenerator, full: Bool, depth: Int) -> Self
    /// Fully populated instances that between them set every member of every oneof.
    static func fullyPopulated(using rng: inout some RandomNumberGenerator) -> [Self]
}

/// A message type as a test argument.
struct MessageType: CustomTestStringConvertible, @unchecked Sendable {
    let type: any RandomMessage.Type
    var testDescription: String { type.protoMessageName }

    static let all = allRandomMessageTypes.map(MessageType.init)
}

/// A small, fast, seedable generator so failures can be replayed from the printed seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random field values that exercise the encodings: Vietnamese text in NFC and NFD, emoji,
/// astral-plane characters, long strings, integer extremes and unknown enum numbers.
enum RandomValues {
    static let samples: [String] = [
        "Tòng Văn Hạnh", "Lò Thị Xuân", "Chi bộ bản Bó", "Đảng ủy xã Mường Bằng", "Hoàng Đức Thắng",
        "Nguyễn Thị Ánh Nguyệt", "bản Bó", "M1", "a", "0", "Thái", "Kinh", "H'Mông",
        "Nghị quyết về xây dựng nông thôn mới", "Cafe\u{0301} nfd", "e\u{0323}\u{0302} stacked marks",
        "👩🏽‍🌾 emoji", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral", "中文 测试", "tab\tand\nnewline", "quote \" backslash \\",
        "\u{7F}\u{1}\u{1F} control", "\u{FEFF}bom", "\u{2028}line separator",
    ]

    static func string(using rng: inout some RandomNumberGenerator, full: Bool) -> String {
        if !full && Bool.random(using: &rng) { return "" }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0:
            let unit = samples.randomElement(using: &rng) ?? "x"
            return String(repeating: unit + " ", count: Int.random(in: 10...80, using: &rng))
        case 1:
            let scalars = (0..<Int.random(in: 1...20, using: &rng)).map { _ in randomScalar(using: &rng) }
            return String(String.UnicodeScalarView(scalars))
        default:
            return samples.randomElement(using: &rng) ?? "x"
        }
    }

    static func randomScalar(using rng: inout some RandomNumberGenerator) -> Unicode.Scalar {
        while true {
            let value = UInt32.random(in: 1...0x10FFFF, using: &rng)
            if let scalar = Unicode.Scalar(value) { return scalar }
        }
    }

    static func bytes(using rng: inout some RandomNumberGenerator, full: Bool) -> [UInt8] {
        let count = Int.random(in: (full ? 1 : 0)...40, using: &rng)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func bool(using rng: inout some RandomNumberGenerator, full: Bool) -> Bool {
        full || Bool.random(using: &rng)
    }

    static func integer<T: FixedWidthInteger>(
        _ type: T.Type,
        using rng: inout some RandomNumberGenerator,
        full: Bool
    ) -> T {
        if !full && Bool.random(using: &rng) { return 0 }
        let value: T
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: value = T.max
        case 1: value = T.min
        case 2: value = T.random(in: 1...100, using: &rng)
        default: value = T.random(in: T.min...T.max, using: &rng)
        }
        return value == 0 ? 1 : value
    }

    static func double(using rng: inout some RandomNumberGenerator, full: Bool) -> Double {
        if !full && Bool.random(using: &rng) { return 0 }
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return Double(Int.random(in: 1...100, using: &rng))
        case 1: return Double.random(in: 0.5...100, using: &rng)
        case 2: return -Double.random(in: 1e-300...1e300, using: &rng)
        default: return Double.random(in: 1...1e18, using: &rng)
        }
    }

    static func float(using rng: inout some RandomNumberGenerator, full: Bool) -> Float {
        if !full && Bool.random(using: &rng) { return 0 }
        return Float.random(in: 0.5...1e6, using: &rng)
    }

    static func enumNumber(known: [Int32], using rng: inout some RandomNumberGenerator, full: Bool) -> Int32 {
        if !full && Int.random(in: 0..<3, using: &rng) == 0 { return 0 }
        if Int.random(in: 0..<10, using: &rng) == 0 { return Int32.random(in: 1000...2000, using: &rng) }
        return known.randomElement(using: &rng) ?? 1
    }

    static func count(using rng: inout some RandomNumberGenerator, full: Bool, depth: Int) -> Int {
        if depth > 3 { return full ? 1 : 0 }
        return Int.random(in: (full ? 1 : 0)...3, using: &rng)
    }
}
