import Foundation

/// How a benchmark server tells the load generator where it listens: one line on standard
/// output, `LISTENING <port>`.
public enum ServerAnnouncement {
    /// The line's prefix.
    public static let prefix = "LISTENING "

    /// Prints the line, then exits the process once standard input ends: the load generator
    /// holds it open, so a server never outlives the run that started it.
    public static func announce(port: Int) {
        FileHandle.standardOutput.write(Data((prefix + String(port) + "\n").utf8))
        Thread.detachNewThread {
            _ = FileHandle.standardInput.readDataToEndOfFile()
            exit(0)
        }
    }
}
