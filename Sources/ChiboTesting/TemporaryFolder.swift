import Foundation

/// A new, empty folder under the system's temporary directory, named `prefix` and a UUID.
public func temporaryFolder(_ prefix: String = "chibo-test") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
