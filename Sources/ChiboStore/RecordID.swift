import Foundation

/// New record ids: a short prefix naming the entity (`m-`, `mt-`, `ou-`…) and a time-ordered
/// UUID (version 7, RFC 9562: 48 bits of Unix milliseconds, then random bits). Ids made one
/// after another sort one after another, so the B-tree indexes keyed by id (the records, the
/// change log, the audit log) grow at their right edge instead of touching a random page per
/// insert — a bulk import writes a fraction of the pages a random UUID costs. The random
/// bits (74) keep ids made in the same millisecond, on one server or several, apart.
public enum RecordID {
    /// A new id, for example `m-019ac4d2-7c3e-7a51-9f0e-2b8c4d6e1f30`.
    public static func make(_ prefix: String, nowMs: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000)) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: nowMs >> (40 - 8 * index)) }
        let random = generator.next() as UInt64
        let more = generator.next() as UInt64
        for index in 6..<16 {
            let source = index < 14 ? random >> (8 * (index - 6)) : more >> (8 * (index - 14))
            bytes[index] = UInt8(truncatingIfNeeded: source)
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let digits = Array("0123456789abcdef".utf8)
        var text = Array(prefix.utf8)
        text.append(UInt8(ascii: "-"))
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
