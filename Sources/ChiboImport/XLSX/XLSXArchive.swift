import Foundation
import ZIPFoundation

/// An .xlsx file opened as the zip archive it is, reading each part through `XMLPushScanner`
/// as it inflates, under `XLSXLimits`.
final class XLSXArchive {
    let name: String
    let limits: XLSXLimits
    private let archive: Archive

    /// Opens the archive of `source`.
    init(source: ImportSource, limits: XLSXLimits) throws(ImportError) {
        name = source.name
        self.limits = limits
        do {
            switch source {
            case .file(let path):
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw ImportError(code: .unreadable, message: "cannot open \(path)", file: path)
                }
                archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
            case .bytes(_, let bytes):
                archive = try Archive(data: Data(bytes), accessMode: .read)
            }
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError(
                code: .malformed,
                message: "is not a readable .xlsx workbook (not a zip archive, or a damaged one): \(error)",
                file: source.name
            )
        }
    }

    /// Whether the archive has a part at `path`.
    func has(_ path: String) -> Bool { archive[path] != nil }

    /// Reads the part at `path`, feeding every XML event to `handler`. A part that inflates past
    /// the limits, that is not well formed, or that declares a document type throws, naming the
    /// part and the limit.
    func read(_ path: String, handler: @escaping (XMLScanEvent) throws -> Void) throws(ImportError) {
        guard let entry = archive[path] else {
            throw ImportError(code: .malformed, message: "has no part \(path): it is not a workbook", file: name)
        }
        let scanner = XMLPushScanner(maxTokenBytes: limits.maxTokenBytes, handler: handler)
        var inflated = 0
        let compressed = max(Int(clamping: entry.compressedSize), 1)
        let limits = limits
        let name = name
        do {
            _ = try archive.extract(entry, bufferSize: 64 << 10, skipCRC32: false) { chunk in
                inflated += chunk.count
                if inflated > limits.maxPartBytes {
                    throw ImportError(
                        code: .tooLarge,
                        message: "\(path) inflates past \(limits.maxPartBytes) bytes, the limit for one part of a "
                            + "workbook (a zip bomb?)",
                        file: name
                    )
                }
                if inflated > limits.ratioFloorBytes, inflated / compressed > limits.maxCompressionRatio {
                    throw ImportError(
                        code: .tooLarge,
                        message:
                            "\(path) inflates to more than \(limits.maxCompressionRatio) times its compressed size "
                            + "(\(compressed) bytes), the limit: a zip bomb, not a spreadsheet",
                        file: name
                    )
                }
                try scanner.feed(chunk)
            }
            try scanner.finish()
        } catch let error as ImportError {
            throw error
        } catch let error as XMLScanFailure {
            throw ImportError(code: .malformed, message: "\(path) \(error.message)", file: name)
        } catch {
            throw ImportError(code: .malformed, message: "cannot read \(path): \(error)", file: name)
        }
    }
}
