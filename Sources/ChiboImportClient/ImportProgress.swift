import Foundation

/// The progress line `chibo-import` redraws on a terminal's standard error.
public enum ImportProgress {
    /// The line for an upload that has sent `rowsSent` rows in `elapsed` seconds and read
    /// `bytesRead` of `fileSize` bytes: rows sent, rows per second, the time left (estimated from
    /// the bytes still to read at the rate so far) and a bar of `barWidth` cells. Unknown
    /// quantities show as `--`.
    ///
    /// `12,500 rows sent  4,100 rows/s  ETA 0:42  [#######-------------]  35%`
    public static func line(
        rowsSent: Int,
        elapsed: Double,
        bytesRead: Int,
        fileSize: Int,
        barWidth: Int = 20
    ) -> String {
        let fraction = fileSize > 0 ? min(1, max(0, Double(bytesRead) / Double(fileSize))) : 0
        let rate = elapsed > 0 ? Double(rowsSent) / elapsed : 0
        let rateText = elapsed > 0 ? grouped(Int(rate.rounded())) : "--"
        var eta = "--:--"
        if fraction >= 1 {
            eta = "0:00"
        } else if fraction > 0, elapsed > 0 {
            eta = clock(elapsed * (1 - fraction) / fraction)
        }
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled)
        let percent = String(Int((fraction * 100).rounded(.down)))
        return "\(grouped(rowsSent)) rows sent  \(rateText) rows/s  ETA \(eta)  [\(bar)] \(percent)%"
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    /// Seconds as `M:SS`, or `H:MM:SS` from an hour.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let hours = total / 3600
        let minutes = (total % 3600) / 60
        let secs = total % 60
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
    }
}

/// Redraws the progress line on standard error at most ten times a second.
final class ProgressLine {
    private let write: (String) -> Void
    private var lastDraw: ContinuousClock.Instant?
    private var drawn = false

    init(write: @escaping (String) -> Void) {
        self.write = write
    }

    /// Draws `text` over the previous line unless one was drawn less than 0.1 s ago.
    func draw(_ text: String, now: ContinuousClock.Instant = .now) {
        if let lastDraw, now - lastDraw < .milliseconds(100) { return }
        lastDraw = now
        drawn = true
        write("\r\u{1B}[2K" + text)
    }

    /// Erases the line, before the summary prints.
    func clear() {
        guard drawn else { return }
        write("\r\u{1B}[2K")
        drawn = false
    }
}
