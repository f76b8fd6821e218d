#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to the process's standard output and standard error with `write(2)`, so a failed
/// write is an error to handle rather than a crash: output into a pipe whose reader has gone
/// (`chibo members list | head -c 1`) ends the process quietly with status 0, as `git log | head`
/// does.
public enum StandardStreams {
    /// Ignores SIGPIPE, so that writing to a closed pipe fails with EPIPE instead of killing the
    /// process; called once before any output.
    public static func ignoreBrokenPipeSignal() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes every byte of `text` to `descriptor`; returns 0, or the `errno` of the write that
    /// failed.
    public static func write(_ text: String, to descriptor: Int32) -> Int32 {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                #if canImport(Glibc)
                return Glibc.write(descriptor, base + offset, buffer.count - offset)
                #else
                return Darwin.write(descriptor, base + offset, buffer.count - offset)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return 0
    }

    /// Writes data to standard output; when the reader has gone (EPIPE), ends the process
    /// quietly with status 0: nothing more can reach it, and nothing went wrong for the user.
    /// Any other failure (a full disk) is told on standard error and ends the process with 1.
    public static func out(_ text: String) {
        let failure = write(text, to: 1)
        if failure == 0 { return }
        // _exit: the other threads (the connection's) are left as they are, not torn down under
        // their feet by exit handlers.
        if failure == EPIPE { _exit(0) }
        _ = write("error: cannot write to standard output: \(String(cString: strerror(failure)))\n", to: 2)
        _exit(1)
    }

    /// Writes a message to standard error; a failure there has nowhere to be told and is ignored.
    public static func err(_ text: String) {
        _ = write(text, to: 2)
    }
}
