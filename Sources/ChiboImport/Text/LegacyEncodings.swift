/// A legacy Vietnamese font encoding: text typed before Unicode with fonts that drew
/// Vietnamese letters in place of Western ones. Its bytes are valid Latin-1 (and, once a
/// spreadsheet has saved them, valid UTF-8), but the letters are wrong: "Họ và tên" typed in
/// TCVN3 shows as "Hä vµ tªn", in VNI as "Hoï vaø teân".
public enum LegacyEncoding: String, Hashable, Sendable, CustomStringConvertible {
    /// TCVN3, the ABC standard (TCVN 5712 VN3), with fonts named `.VnTime`, `.VnArial`…
    case tcvn3
    /// VNI-Windows, with fonts named `VNI-Times`, `VNI-Helve`…: a base letter followed by a
    /// separate byte for its marks.
    case vni

    /// `TCVN3 (ABC)` or `VNI`.
    public var description: String {
        switch self {
        case .tcvn3: "TCVN3 (ABC, fonts .VnTime/.VnArial)"
        case .vni: "VNI (fonts VNI-Times/VNI-Helve)"
        }
    }

    /// What to do about it, for a person.
    public var advice: String {
        switch self {
        case .tcvn3:
            "read the file with --encoding tcvn3, or convert it to Unicode first (Unikey: Công cụ chuyển mã, "
                + "source TCVN3 (ABC), destination Unicode)"
        case .vni:
            "convert it to Unicode first (Unikey: Công cụ chuyển mã, source VNI Windows, destination Unicode), "
                + "then import again"
        }
    }

    /// The whole message for a row or header found in this encoding.
    func message(sample: String) -> String {
        let shown = sample.count > 40 ? String(sample.prefix(40)) + "…" : sample
        return "\"\(shown)\" looks like Vietnamese typed in the legacy \(description) encoding, not Unicode: "
            + advice
    }
}

/// Tells text typed in TCVN3 or VNI from real Vietnamese by counting characters: Unicode
/// Vietnamese has letters outside Latin-1 (ạ, ơ, đ, ư…), while legacy-font text has none of them
/// and instead Latin-1 characters Vietnamese never uses (µ, ª, ä, ø, ï…); VNI writes marks as a
/// separate character after a plain vowel ("aø", "oï", "eâ"), TCVN3 as symbols of the range
/// 0xA1–0xBF (µ, ¸, ª).
struct LegacyEvidence {
    /// Letters only Unicode Vietnamese has (outside Latin-1, or combining tone marks).
    private(set) var vietnamese = 0
    /// Latin-1 characters that no Vietnamese word uses.
    private(set) var foreign = 0
    /// Of those, the symbols 0xA1–0xBF that TCVN3 uses for its commonest letters.
    private(set) var symbols = 0
    /// A plain vowel followed by a VNI mark character.
    private(set) var vniPairs = 0

    private var previousWasPlainVowel = false
    private var previous: UInt8 = 0

    /// Latin-1 letters Vietnamese uses (with their capitals): à á â ã è é ê ì í ò ó ô õ ù ú ý.
    private static func isVietnameseLatin1(_ byte: UInt8) -> Bool {
        switch byte | 0x20 {
        case 0xE0, 0xE1, 0xE2, 0xE3, 0xE8, 0xE9, 0xEA, 0xEC, 0xED, 0xF2, 0xF3, 0xF4, 0xF5, 0xF9, 0xFA, 0xFD: true
        default: false
        }
    }
    /// VNI's tone marks after a vowel: ù ø û õ ï and their capitals.
    private static func isVNITone(_ byte: UInt8) -> Bool {
        switch byte {
        case 0xF9, 0xF8, 0xFB, 0xF5, 0xEF, 0xD9, 0xD8, 0xDB, 0xD5, 0xCF: true
        default: false
        }
    }
    /// windows-1258 bytes that are Vietnamese letters or combining tone marks.
    private static func isWindows1258Vietnamese(_ byte: UInt8) -> Bool {
        switch byte {
        case 0xC3, 0xCC, 0xD0, 0xD2, 0xD5, 0xDD, 0xDE, 0xE3, 0xEC, 0xF0, 0xF2, 0xF5, 0xFD: true
        default: false
        }
    }

    /// Counts the characters of Unicode text (decoded from UTF-8), reading its UTF-8 bytes.
    mutating func add(text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ add(utf8: $0) }) == nil { add(scalarsOf: text) }
    }

    /// What `add(scalarsOf:)` counts, from valid UTF-8 bytes without making scalars of ASCII and
    /// Latin-1.
    private mutating func add(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                addByte(lead)
                index += 1
                continue
            }
            let length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            var value = UInt32(lead) & (lead < 0xE0 ? 0x1F : lead < 0xF0 ? 0x0F : 0x07)
            for offset in 1..<length { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
            index += length
            if value < 0x100 {
                addByte(UInt8(value))
            } else {
                addWide(value)
            }
        }
        previousWasPlainVowel = false
    }

    /// Counts the characters of Unicode text scalar by scalar: the definition of `add(text:)`,
    /// used for text whose bytes are not contiguous.
    mutating func add(scalarsOf text: String) {
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value >= 0x100 {
                addWide(value)
                continue
            }
            addByte(UInt8(value))
        }
        previousWasPlainVowel = false
    }

    /// Counts a character of U+0100 and above: a Vietnamese letter, or the windows-1252 byte it
    /// came from.
    private mutating func addWide(_ value: UInt32) {
        if Self.isVietnamese(value) {
            vietnamese += 1
            previousWasPlainVowel = false
        } else if let byte = CodePages.windows1252Extras[value] {
            addByte(byte)
        } else {
            previousWasPlainVowel = false
        }
    }

    /// Counts the raw bytes of windows-1258 text: its Vietnamese letters count as Vietnamese,
    /// the rest as the Latin-1 characters they share codes with.
    mutating func add(windows1258Bytes bytes: some Sequence<UInt8>) {
        for byte in bytes {
            if Self.isWindows1258Vietnamese(byte) {
                vietnamese += 1
                previousWasPlainVowel = false
            } else {
                addByte(byte)
            }
        }
        previousWasPlainVowel = false
    }

    private mutating func addByte(_ byte: UInt8) {
        defer { previous = byte }
        if byte < 0x80 {
            switch byte | 0x20 {
            case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"),
                UInt8(ascii: "y"):
                previousWasPlainVowel = true
            default:
                previousWasPlainVowel = false
            }
            return
        }
        let afterVowel = previousWasPlainVowel
        previousWasPlainVowel = false
        if afterVowel {
            let lowerPrevious = previous | 0x20
            let hat =
                (byte == 0xE2 || byte == 0xC2)
                && (lowerPrevious == UInt8(ascii: "a") || lowerPrevious == UInt8(ascii: "e")
                    || lowerPrevious == UInt8(ascii: "o"))
            let breve = (byte == 0xEA || byte == 0xCA) && lowerPrevious == UInt8(ascii: "a")
            if Self.isVNITone(byte) || hat || breve {
                vniPairs += 1
            }
        }
        if byte >= 0xA1 && byte <= 0xBF {
            foreign += 1
            symbols += 1
        } else if byte >= 0xC0 && !Self.isVietnameseLatin1(byte) {
            foreign += 1
        }
    }

    private static func isVietnamese(_ value: UInt32) -> Bool {
        switch value {
        case 0x0102, 0x0103, 0x0110, 0x0111, 0x0128, 0x0129, 0x0168, 0x0169, 0x01A0, 0x01A1, 0x01AF, 0x01B0: true
        case 0x0300, 0x0301, 0x0303, 0x0309, 0x0323: true
        case 0x1EA0...0x1EF9: true
        default: false
        }
    }

    /// The legacy encoding the text looks like, or nil when it looks like Unicode (or plain
    /// ASCII). Needs at least two telltale characters, or one VNI pair with one, and more of them
    /// than Unicode Vietnamese letters.
    var verdict: LegacyEncoding? {
        let telltales = max(foreign, vniPairs)
        guard telltales > vietnamese, mightHaveVerdict else { return nil }
        return vniPairs > symbols ? .vni : .tcvn3
    }

    /// Whether there are enough telltale characters for a verdict if the text had no
    /// Vietnamese letter: false means `verdict` is nil however many Vietnamese letters are added.
    var mightHaveVerdict: Bool {
        foreign >= 2 || (vniPairs >= 1 && foreign + vniPairs >= 2)
    }

    /// The verdict on one string of Unicode text.
    static func detect(_ text: String) -> LegacyEncoding? {
        var evidence = LegacyEvidence()
        evidence.add(text: text)
        return evidence.verdict
    }
}

/// Converting TCVN3 (ABC) text to Unicode.
public enum TCVN3 {
    /// Converts raw TCVN3 bytes to Unicode text (NFC). ASCII passes through.
    public static func decode(bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if byte < 0x80 {
                scalars.append(Unicode.Scalar(byte))
            } else if let scalar = Unicode.Scalar(CodePages.tcvn3[Int(byte) - 0x80]) {
                scalars.append(scalar)
            }
        }
        return TextNormalization.nfc(String(scalars))
    }

    /// Converts TCVN3 text that a spreadsheet already passed through UTF-8, taking each byte for
    /// a windows-1252 character ("Hä vµ tªn"), back to the letters meant ("Họ và tên").
    /// Characters no windows-1252 byte gives are kept.
    public static func decode(misreadText text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if let byte = CodePages.windows1252Byte(scalar), byte >= 0x80,
                let converted = Unicode.Scalar(CodePages.tcvn3[Int(byte) - 0x80])
            {
                scalars.append(converted)
            } else {
                scalars.append(scalar)
            }
        }
        return TextNormalization.nfc(String(scalars))
    }
}
