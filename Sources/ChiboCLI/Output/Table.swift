/// Colours and emphasis for terminal output; every method returns its text unchanged when
/// colour is off (`NO_COLOR`, a dumb terminal, or output that is not a terminal).
public struct TerminalStyle: Sendable {
    /// Whether ANSI escapes are written.
    public var colored: Bool

    /// Creates a style.
    public init(colored: Bool) { self.colored = colored }

    private func wrap(_ text: String, _ code: String) -> String {
        colored && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Bold.
    public func bold(_ text: String) -> String { wrap(text, "1") }
    /// Red, for flags and failures.
    public func red(_ text: String) -> String { wrap(text, "31") }
    /// Yellow, for warnings.
    public func yellow(_ text: String) -> String { wrap(text, "33") }
    /// Green, for what is fine.
    public func green(_ text: String) -> String { wrap(text, "32") }
    /// Dim, for secondary information.
    public func dim(_ text: String) -> String { wrap(text, "2") }
}

/// One table cell: its text and how to emphasise it in a terminal.
public struct TableCell: Hashable, Sendable, ExpressibleByStringLiteral {
    /// How a cell is emphasised.
    public enum Emphasis: Hashable, Sendable {
        /// Plain.
        case none
        /// Needs attention (a flag, an unexcused absence).
        case alert
        /// Worth a look.
        case warning
        /// Fine.
        case good
    }

    /// The text.
    public var text: String
    /// Emphasis in a coloured terminal.
    public var emphasis: Emphasis

    /// Creates a cell.
    public init(_ text: String, _ emphasis: Emphasis = .none) {
        self.text = text
        self.emphasis = emphasis
    }

    /// A plain cell.
    public init(stringLiteral value: String) { self.init(value) }
}

/// Renders rows as a table aligned by display width, so that names with Vietnamese diacritics,
/// decomposed or not, and wide characters keep the columns straight.
public struct TableRenderer: Sendable {
    /// Terminal style for the header and emphasised cells.
    public var style: TerminalStyle
    /// Widest a column may grow, in display columns; longer cells are cut with "…".
    public var maxColumnWidth: Int
    /// Indices of columns aligned to the right (numbers).
    public var rightAligned: Set<Int>

    /// Creates a renderer.
    public init(
        style: TerminalStyle = TerminalStyle(colored: false),
        maxColumnWidth: Int = 48,
        rightAligned: Set<Int> = []
    ) {
        self.style = style
        self.maxColumnWidth = maxColumnWidth
        self.rightAligned = rightAligned
    }

    /// The table: a header line, then one line per row; columns separated by two spaces and
    /// trailing spaces trimmed.
    public func render(headers: [String], rows: [[TableCell]]) -> String {
        let cut = rows.map { row in
            row.map { TableCell(DisplayWidth.truncated(Self.oneLine($0.text), to: maxColumnWidth), $0.emphasis) }
        }
        var widths = headers.map { DisplayWidth.of($0) }
        for row in cut {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], DisplayWidth.of(cell.text))
            }
        }
        var out = line(headers.map { TableCell($0) }, widths: widths, header: true)
        for row in cut { out += line(row, widths: widths, header: false) }
        return out
    }

    private func line(_ cells: [TableCell], widths: [Int], header: Bool) -> String {
        var parts: [String] = []
        for (index, width) in widths.enumerated() {
            let cell = index < cells.count ? cells[index] : TableCell("")
            let isLast = index == widths.count - 1
            let right = rightAligned.contains(index) && !header
            let padded =
                isLast && !right ? cell.text : DisplayWidth.padded(cell.text, to: width, alignRight: right)
            // Padding is computed on the plain text; escapes wrap the padded text's visible part.
            let styled: String
            if header {
                styled = style.bold(padded)
            } else {
                switch cell.emphasis {
                case .none: styled = padded
                case .alert: styled = restyle(padded, style.red)
                case .warning: styled = restyle(padded, style.yellow)
                case .good: styled = restyle(padded, style.green)
                }
            }
            parts.append(styled)
        }
        var text = parts.joined(separator: "  ")
        while text.hasSuffix(" ") { text.removeLast() }
        return text + "\n"
    }

    /// Applies `color` to the non-space part of `padded`, keeping the padding outside.
    private func restyle(_ padded: String, _ color: (String) -> String) -> String {
        let leading = padded.prefix { $0 == " " }
        let rest = padded.dropFirst(leading.count)
        let core = rest.reversed().drop { $0 == " " }.reversed()
        let trailing = rest.count - core.count
        return String(leading) + color(String(core)) + String(repeating: " ", count: trailing)
    }

    /// Newlines and tabs shown as spaces so a cell stays on its line.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}
