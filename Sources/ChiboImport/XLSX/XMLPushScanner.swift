// The parts of an .xlsx file are read with this small scanner rather than Foundation's
// XMLParser: ZIPFoundation hands the inflated bytes of a part to a callback chunk by chunk, and
// XMLParser on Linux wants the whole document or an InputStream, which would need a second thread
// or a temporary copy of each part. The scanner is fed the chunks as they come and keeps only the
// token being read, so a sheet of any size is read in flat memory. It reads the XML a spreadsheet
// writes: elements, attributes, text, CDATA, comments and processing instructions. A document type
// declaration (`<!DOCTYPE`) is refused outright, and no entity is read but XML's five and
// character references: no external entity is fetched and no entity is expanded.

/// A markup event of an XML document, with names stripped of their namespace prefix (`x:c` is
/// `c`).
enum XMLScanEvent {
    /// An element opens, with its attributes; `selfClosing` when it also closes (`<c r="A1"/>`).
    case start(name: Substring, attributes: [Substring: String], selfClosing: Bool)
    /// An element closes.
    case end(name: Substring)
    /// Character data (entities decoded, CDATA as is).
    case text(String)
}

/// Why an XML part cannot be read.
struct XMLScanFailure: Error {
    /// What is wrong, for a person.
    var message: String
}

/// Scans XML fed in chunks, calling `handler` for every event in document order.
final class XMLPushScanner {
    private var buffer: [UInt8] = []
    private var head = 0
    private let maxTokenBytes: Int
    private let handler: (XMLScanEvent) throws -> Void

    /// A scanner that refuses any single tag or text run longer than `maxTokenBytes`.
    init(maxTokenBytes: Int, handler: @escaping (XMLScanEvent) throws -> Void) {
        self.maxTokenBytes = maxTokenBytes
        self.handler = handler
    }

    /// Scans the next chunk; a token cut by the chunk's end waits for the next one.
    func feed<Bytes: Sequence<UInt8>>(_ chunk: Bytes) throws {
        if head > 0 {
            buffer.removeFirst(head)
            head = 0
        }
        buffer.append(contentsOf: chunk)
        try scan(final: false)
        if buffer.count - head > maxTokenBytes {
            throw XMLScanFailure(message: "holds a tag or text longer than \(maxTokenBytes) bytes, the limit")
        }
    }

    /// Ends the document: what is left must be whitespace.
    func finish() throws {
        try scan(final: true)
        let rest = buffer[head...]
        if !rest.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw XMLScanFailure(message: "ends in the middle of a tag")
        }
    }

    private func scan(final: Bool) throws {
        while head < buffer.count {
            if buffer[head] != 0x3C {  // text up to the next "<"
                guard let open = buffer[head...].firstIndex(of: 0x3C) else {
                    if final {
                        try emitText(buffer[head...])
                        head = buffer.count
                    }
                    return
                }
                try emitText(buffer[head..<open])
                head = open
                continue
            }
            guard let consumed = try markup(at: head) else { return }
            head = consumed
        }
    }

    private func emitText(_ bytes: ArraySlice<UInt8>) throws {
        guard !bytes.isEmpty else { return }
        try handler(.text(try Self.decodeEntities(bytes)))
    }

    /// Reads the markup starting at `start` ("<"); nil when it is not complete yet.
    private func markup(at start: Int) throws -> Int? {
        if starts(with: "<!--", at: start) {
            guard let end = find("-->", from: start + 4) else { return nil }
            return end + 3
        }
        if starts(with: "<![CDATA[", at: start) {
            guard let end = find("]]>", from: start + 9) else { return nil }
            try handler(.text(String(decoding: buffer[(start + 9)..<end], as: UTF8.self)))
            return end + 3
        }
        if starts(with: "<?", at: start) {
            guard let end = find("?>", from: start + 2) else { return nil }
            return end + 2
        }
        if start + 1 < buffer.count, buffer[start + 1] == 0x21 {  // "<!"
            guard buffer.count - start >= 9 else { return nil }
            throw XMLScanFailure(
                message: "holds a document type declaration (<!DOCTYPE>): refused, as no spreadsheet writes one and "
                    + "its entities could expand without bound"
            )
        }
        // A tag: up to the ">" outside quotes.
        var index = start + 1
        var quote: UInt8?
        while index < buffer.count {
            let byte = buffer[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == 0x22 || byte == 0x27 {
                quote = byte
            } else if byte == 0x3E {
                try tag(buffer[(start + 1)..<index])
                return index + 1
            }
            index += 1
        }
        return nil
    }

    private func tag(_ body: ArraySlice<UInt8>) throws {
        if body.first == 0x2F {  // "</name"
            let name = Self.trimmed(body.dropFirst())
            try handler(.end(name: Self.localName(name)))
            return
        }
        var content = body
        let selfClosing = content.last == 0x2F
        if selfClosing { content = content.dropLast() }
        var index = content.startIndex
        while index < content.endIndex, !Self.isSpace(content[index]) { index += 1 }
        let name = Self.localName(content[content.startIndex..<index])
        guard !name.isEmpty else { throw XMLScanFailure(message: "holds a tag without a name") }
        var attributes: [Substring: String] = [:]
        while index < content.endIndex {
            while index < content.endIndex, Self.isSpace(content[index]) { index += 1 }
            guard index < content.endIndex else { break }
            let nameStart = index
            while index < content.endIndex, content[index] != 0x3D, !Self.isSpace(content[index]) { index += 1 }
            let attributeName = Self.localName(content[nameStart..<index])
            while index < content.endIndex, Self.isSpace(content[index]) { index += 1 }
            guard index < content.endIndex, content[index] == 0x3D else {
                throw XMLScanFailure(message: "holds an attribute \"\(attributeName)\" without a value in <\(name)>")
            }
            index += 1
            while index < content.endIndex, Self.isSpace(content[index]) { index += 1 }
            guard index < content.endIndex, content[index] == 0x22 || content[index] == 0x27 else {
                throw XMLScanFailure(message: "holds an unquoted attribute \"\(attributeName)\" in <\(name)>")
            }
            let quote = content[index]
            let valueStart = index + 1
            guard let valueEnd = content[valueStart...].firstIndex(of: quote) else {
                throw XMLScanFailure(message: "holds an attribute whose quote is not closed in <\(name)>")
            }
            attributes[attributeName] = try Self.decodeEntities(content[valueStart..<valueEnd])
            index = valueEnd + 1
        }
        try handler(.start(name: name, attributes: attributes, selfClosing: selfClosing))
    }

    private func starts(with text: StaticString, at index: Int) -> Bool {
        let count = text.utf8CodeUnitCount
        guard buffer.count - index >= count else { return false }
        return text.withUTF8Buffer { pattern in
            for offset in 0..<count where buffer[index + offset] != pattern[offset] { return false }
            return true
        }
    }

    private func find(_ text: StaticString, from index: Int) -> Int? {
        let count = text.utf8CodeUnitCount
        return text.withUTF8Buffer { pattern -> Int? in
            var position = index
            while position + count <= buffer.count {
                guard let first = buffer[position...].firstIndex(of: pattern[0]) else { return nil }
                guard first + count <= buffer.count else { return nil }
                var matches = true
                for offset in 1..<count where buffer[first + offset] != pattern[offset] {
                    matches = false
                    break
                }
                if matches { return first }
                position = first + 1
            }
            return nil
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return slice
    }

    private static func localName(_ bytes: ArraySlice<UInt8>) -> Substring {
        let name = String(decoding: bytes, as: UTF8.self)
        guard let colon = name.lastIndex(of: ":") else { return name[...] }
        return name[name.index(after: colon)...]
    }

    /// Decodes XML's five entities and character references; any other entity is refused.
    static func decodeEntities(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard bytes.contains(0x26) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == 0x26 else {
                out.append(byte)
                index += 1
                continue
            }
            guard let semicolon = bytes[index...].prefix(12).firstIndex(of: 0x3B) else {
                throw XMLScanFailure(message: "holds a \"&\" that starts no entity")
            }
            let name = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
            switch name {
            case "lt": out.append(0x3C)
            case "gt": out.append(0x3E)
            case "amp": out.append(0x26)
            case "quot": out.append(0x22)
            case "apos": out.append(0x27)
            default:
                var value: UInt32?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    value = UInt32(name.dropFirst(2), radix: 16)
                } else if name.hasPrefix("#") {
                    value = UInt32(name.dropFirst(), radix: 10)
                }
                guard let value, value != 0, let scalar = Unicode.Scalar(value) else {
                    throw XMLScanFailure(
                        message: "holds the entity &\(name);: only XML's own entities and character references are read"
                    )
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            index = semicolon + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
