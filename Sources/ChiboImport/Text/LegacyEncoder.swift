/// Writes text back in the legacy encodings a CSV file may come in, so that cells added to its
/// rows (a reject file's reasons) read as the rest of the file does.
enum LegacyEncoder {
    /// The tone marks windows-1258 writes as combining bytes after a letter.
    private static let toneMarks: Set<UInt32> = [0x0300, 0x0301, 0x0303, 0x0309, 0x0323]

    private static let windows1258Bytes: [UInt32: UInt8] = {
        var table: [UInt32: UInt8] = [:]
        for (index, scalar) in CodePages.windows1258.enumerated() where scalar != 0 {
            table[scalar] = UInt8(0x80 + index)
        }
        return table
    }()

    private static let tcvn3Bytes: [UInt32: UInt8] = {
        var table: [UInt32: UInt8] = [:]
        // The lowercase half first, which the TCVN3 fonts use; VN1's uppercase after, where free.
        for (index, scalar) in CodePages.tcvn3.enumerated().reversed() where scalar != 0 {
            table[scalar] = UInt8(0x80 + index)
        }
        return table
    }()

    /// `text` in windows-1258: a letter the code page has, else its base letter and the tone
    /// mark as a combining byte, else `?`.
    static func windows1258(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for character in text.precomposedStringWithCanonicalMapping {
            for byte in windows1258(character) { out.append(byte) }
        }
        return out
    }

    private static func windows1258(_ character: Character) -> [UInt8] {
        let scalars = Array(character.unicodeScalars)
        if scalars.count == 1, let byte = byte(scalars[0], table: windows1258Bytes) { return [byte] }
        let decomposed = String(character).decomposedStringWithCanonicalMapping.unicodeScalars
        let tones = decomposed.filter { toneMarks.contains($0.value) }
        var base = String.UnicodeScalarView()
        base.append(contentsOf: decomposed.filter { !toneMarks.contains($0.value) })
        let composed = String(base).precomposedStringWithCanonicalMapping.unicodeScalars
        var out: [UInt8] = []
        for scalar in composed {
            guard let byte = byte(scalar, table: windows1258Bytes) else { return [0x3F] }
            out.append(byte)
        }
        for tone in tones {
            guard let byte = windows1258Bytes[tone.value] else { return [0x3F] }
            out.append(byte)
        }
        return out
    }

    /// `text` in TCVN3: each letter as the `.Vn` fonts type it (capitals with tones as their
    /// lowercase letter, as the uppercase fonts do), else `?`.
    static func tcvn3(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            if let byte = byte(scalar, table: tcvn3Bytes) {
                out.append(byte)
            } else if let lower = String(scalar).lowercased().unicodeScalars.first,
                let byte = byte(lower, table: tcvn3Bytes)
            {
                out.append(byte)
            } else {
                out.append(0x3F)
            }
        }
        return out
    }

    /// Bytes read as windows-1252 and written as UTF-8, as a spreadsheet does to TCVN3 text.
    static func asWindows1252UTF8(_ bytes: [UInt8]) -> [UInt8] {
        var reverse: [UInt8: UInt32] = [:]
        for (scalar, byte) in CodePages.windows1252Extras { reverse[byte] = scalar }
        var text = String.UnicodeScalarView()
        for byte in bytes {
            let value = byte >= 0x80 && byte < 0xA0 ? reverse[byte] ?? UInt32(byte) : UInt32(byte)
            text.append(Unicode.Scalar(value) ?? "?")
        }
        return Array(String(text).utf8)
    }

    private static func byte(_ scalar: Unicode.Scalar, table: [UInt32: UInt8]) -> UInt8? {
        scalar.value < 0x80 ? UInt8(scalar.value) : table[scalar.value]
    }
}
