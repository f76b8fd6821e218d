/// A position in PostgreSQL's write-ahead log (a `pg_lsn`, written `X/Y` in hexadecimal) as a
/// number that orders as the log does.
enum WALPosition {
    /// The position `text` names (`16/B374D848`); nil for anything else (a standby that has
    /// replayed nothing answers NULL).
    static func parse(_ text: String) -> UInt64? {
        let halves = text.split(separator: "/")
        guard halves.count == 2, let high = UInt32(halves[0], radix: 16), let low = UInt32(halves[1], radix: 16)
        else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// `position` written as PostgreSQL writes it, for log lines.
    static func text(_ position: UInt64) -> String {
        String(position >> 32, radix: 16, uppercase: true) + "/"
            + String(position & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }
}
