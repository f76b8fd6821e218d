import Crypto

/// The access token format: `chibo_`, 30 random base62 characters (178 bits), then 6 base62
/// characters of a CRC-32 of the rest. The prefix lets secret scanners recognise a leaked token
/// and the checksum lets them (and the server) tell a real one from a typo without a lookup, as
/// GitHub's tokens do. Only the SHA-256 hash is stored.
public enum AccessToken {
    /// What every token starts with.
    public static let prefix = "chibo_"
    static let randomLength = 30
    static let checksumLength = 6
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// The length of every token.
    public static var length: Int { prefix.count + randomLength + checksumLength }

    /// A new random token. `SystemRandomNumberGenerator` reads the kernel's cryptographic source
    /// (getrandom on Linux).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var body = prefix
        for _ in 0..<randomLength {
            body.append(Character(UnicodeScalar(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])))
        }
        return body + checksum(of: body)
    }

    /// Whether a string has the token's shape and a correct checksum.
    public static func isWellFormed(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard bytes.count == length, token.hasPrefix(prefix),
            bytes.dropFirst(prefix.count).allSatisfy({ alphabet.contains($0) })
        else { return false }
        let body = String(decoding: bytes.prefix(prefix.count + randomLength), as: UTF8.self)
        return String(decoding: bytes.suffix(checksumLength), as: UTF8.self) == checksum(of: body)
    }

    /// The hex SHA-256 of a token: what the store keeps and looks tokens up by.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// The first characters of a token, safe to show in a list.
    public static func hint(_ token: String) -> String { String(token.prefix(prefix.count + 4)) + "…" }

    /// Six base62 digits of the CRC-32 of the text.
    static func checksum(of text: String) -> String {
        var value = UInt64(CRC32.checksum(Array(text.utf8)))
        var digits: [UInt8] = []
        for _ in 0..<checksumLength {
            digits.append(alphabet[Int(value % 62)])
            value /= 62
        }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }
}

/// CRC-32 (IEEE 802.3, as zlib computes it). Written here because none of the project's
/// libraries exposes one on Linux (swift-crypto has hashes, not checksums) and it is ten lines.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
