#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of a running process, read from Linux's /proc.
public struct ProcessStats: Sendable {
    /// User plus system CPU time, in microseconds.
    public var cpuMicros: Double
    /// Resident set size now, in kB (`VmRSS`).
    public var rssKB: Int
    /// Peak resident set size, in kB (`VmHWM`).
    public var peakRSSKB: Int

    /// Reads the stats of process `pid`; nil if it is gone.
    public static func read(pid: Int32) -> ProcessStats? {
        guard let stat = readFile("/proc/\(pid)/stat"), let status = readFile("/proc/\(pid)/status") else {
            return nil
        }
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessStats(
            cpuMicros: (utime + stime) / ticksPerSecond * 1_000_000,
            rssKB: kilobytes("VmRSS:", in: status),
            peakRSSKB: kilobytes("VmHWM:", in: status)
        )
    }

    private static func kilobytes(_ key: String, in status: String) -> Int {
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return 0
    }

    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
