/// Scans of a string's UTF-8 bytes, over its storage when it is contiguous (as the strings
/// decoded from a file are) rather than through the view's iterator.
enum UTF8Bytes {
    /// Whether some byte of `text` passes `test`.
    @inline(__always)
    static func contains(_ text: String, where test: (UInt8) -> Bool) -> Bool {
        let utf8 = text.utf8
        if let found = utf8.withContiguousStorageIfAvailable({ $0.contains(where: test) }) { return found }
        return utf8.contains(where: test)
    }

    /// Whether `text` holds the byte `lead` followed by a byte in `range`.
    static func contains(_ text: String, lead: UInt8, followedBy range: ClosedRange<UInt8>) -> Bool {
        let utf8 = text.utf8
        let scan = { (bytes: UnsafeBufferPointer<UInt8>) in contains(bytes, lead: lead, followedBy: range) }
        if let found = utf8.withContiguousStorageIfAvailable(scan) { return found }
        return Array(utf8).withUnsafeBufferPointer(scan)
    }

    /// Whether `bytes` hold the byte `lead` followed by a byte in `range`.
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, lead: UInt8, followedBy range: ClosedRange<UInt8>) -> Bool
    {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == lead, range.contains(bytes[index + 1]) { return true }
            index += 1
        }
        return false
    }

    /// Whether two strings have the same bytes (equal strings with different bytes are
    /// canonically equivalent ones, which `==` still finds equal).
    static func same(_ left: String, _ right: String) -> Bool {
        let leftUTF8 = left.utf8
        let rightUTF8 = right.utf8
        guard leftUTF8.count == rightUTF8.count else { return false }
        let same = leftUTF8.withContiguousStorageIfAvailable { leftBytes in
            rightUTF8.withContiguousStorageIfAvailable { rightBytes in leftBytes.elementsEqual(rightBytes) }
        }
        return (same ?? nil) ?? leftUTF8.elementsEqual(rightUTF8)
    }
}
