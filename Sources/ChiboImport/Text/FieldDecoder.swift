/// Turns the raw bytes of a CSV cell into text in the file's encoding, normalised for
/// records (NFC, trimmed).
struct FieldDecoder {
    /// How bytes become characters.
    enum Mode: Hashable {
        /// UTF-8.
        case utf8
        /// windows-1258, one byte per character.
        case windows1258
        /// TCVN3 bytes as typed.
        case tcvn3Raw
        /// TCVN3 bytes that a spreadsheet read as windows-1252 and saved as UTF-8.
        case tcvn3MisreadAsUTF8
    }

    let mode: Mode

    /// Picks the mode for `encoding` from the start of the file.
    init(encoding: TextEncoding, start: ArraySlice<UInt8>, hadBOM: Bool, file: String) throws(ImportError) {
        switch encoding {
        case .utf8:
            mode = .utf8
        case .windows1258:
            if hadBOM {
                throw ImportError(
                    code: .badEncoding,
                    message: "the file starts with a UTF-8 byte order mark, so it is UTF-8, not windows-1258: "
                        + "read it without --encoding",
                    file: file
                )
            }
            mode = .windows1258
        case .tcvn3:
            let hasNonASCII = start.contains { $0 >= 0x80 }
            mode = hadBOM || (hasNonASCII && Self.isValidUTF8Prefix(start)) ? .tcvn3MisreadAsUTF8 : .tcvn3Raw
        }
    }

    /// Decodes a cell: its text, or why its bytes are not valid.
    func decode(_ bytes: ArraySlice<UInt8>) -> Result<String, DecodeFault> {
        // Most cells are plain ASCII, which every mode decodes to itself and which is NFC
        // already: they skip the decoding and normalisation below.
        if let text = TextNormalization.plainASCIICell(bytes) { return .success(text) }
        switch mode {
        case .utf8:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return .failure(DecodeFault(message: "is not valid UTF-8" + Self.utf8Hint))
            }
            return .success(TextNormalization.cell(text))
        case .windows1258:
            var scalars = String.UnicodeScalarView()
            for byte in bytes {
                if byte < 0x80 {
                    scalars.append(Unicode.Scalar(byte))
                } else if let scalar = Unicode.Scalar(CodePages.windows1258[Int(byte) - 0x80]), scalar.value != 0 {
                    scalars.append(scalar)
                } else {
                    let hex = String(byte, radix: 16, uppercase: true)
                    return .failure(DecodeFault(message: "holds byte 0x\(hex), which windows-1258 does not assign"))
                }
            }
            return .success(TextNormalization.cell(String(scalars)))
        case .tcvn3Raw:
            return .success(TextNormalization.cell(TCVN3.decode(bytes: bytes)))
        case .tcvn3MisreadAsUTF8:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return .failure(DecodeFault(message: "is not valid UTF-8"))
            }
            return .success(TextNormalization.cell(TCVN3.decode(misreadText: text)))
        }
    }

    /// Adds the legacy-encoding evidence of a decoded cell (and its bytes) to `evidence`;
    /// nothing in TCVN3 mode, where the text has been converted already.
    func addEvidence(text: String, bytes: ArraySlice<UInt8>, to evidence: inout LegacyEvidence) {
        switch mode {
        case .utf8:
            if bytes.contains(where: { $0 >= 0x80 }) { evidence.add(text: text) }
        case .windows1258:
            if bytes.contains(where: { $0 >= 0x80 }) { evidence.add(windows1258Bytes: bytes) }
        case .tcvn3Raw, .tcvn3MisreadAsUTF8:
            break
        }
    }

    /// Adds what `addEvidence` adds, except that in UTF-8 only the cells holding a character of
    /// U+0080–U+00FF (the only ones that count as foreign, TCVN3 symbols or VNI marks) are
    /// counted: the Vietnamese letters of the other cells matter only when
    /// `LegacyEvidence.mightHaveVerdict`, and then the caller counts every cell with `addEvidence`.
    func addTelltaleEvidence(text: String, bytes: ArraySlice<UInt8>, to evidence: inout LegacyEvidence) {
        switch mode {
        case .utf8:
            if UTF8Bytes.contains(text, where: { $0 == 0xC2 || $0 == 0xC3 }) { evidence.add(text: text) }
        case .windows1258, .tcvn3Raw, .tcvn3MisreadAsUTF8:
            addEvidence(text: text, bytes: bytes, to: &evidence)
        }
    }

    private static let utf8Hint =
        " (a file saved as \"CSV (Comma delimited)\" by Excel on Vietnamese Windows is windows-1258: "
        + "read it with --encoding windows-1258)"

    /// Whether `bytes` are valid UTF-8, allowing the last character to be cut off by the end of
    /// the chunk.
    static func isValidUTF8Prefix(_ bytes: ArraySlice<UInt8>) -> Bool {
        for cut in 0...min(3, bytes.count) where String(validating: bytes.dropLast(cut), as: UTF8.self) != nil {
            return true
        }
        return false
    }
}

/// Why a cell's bytes could not be decoded: completes "column X …".
struct DecodeFault: Error, Hashable {
    /// For example "is not valid UTF-8".
    var message: String
}
