import ChiboImport
import Foundation
import Testing

/// Flat memory: a large generated file is read through a window of one chunk.
@Suite struct StreamingTests {
    /// Writes `rows` generated rows under `header` to a file, in batches.
    private func write(header: String, rows: Int, to url: URL, row: (Int) -> String) throws -> Int {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var batch = header + "\r\n"
        var size = 0
        for index in 1...rows {
            batch += row(index) + "\r\n"
            if batch.utf8.count > 1 << 16 || index == rows {
                try handle.write(contentsOf: Data(batch.utf8))
                size += batch.utf8.count
                batch = ""
            }
        }
        return size
    }

    @Test func twoHundredThousandMembersStreamThroughOneChunk() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("dang-vien.csv")
        let size = try write(
            header: "STT,Số thẻ đảng viên,Họ và tên,Ngày sinh,Giới tính,Ghi chú",
            rows: 200_000,
            to: url
        ) { index in
            index % 10_000 == 0
                ? "\(index),\(index),Người \(index),31/02/1980,Nam,"
                : "\(index),\(index),Người số \(index),15/03/1975,\(index % 2 == 0 ? "Nam" : "Nữ"),\"ghi chú, \(index)\""
        }
        #expect(size > 10_000_000)
        let options = ImportOptions(entity: .members)
        let reader = try ImportReader(source: .file(path: url.path), options: options)
        var records = 0
        var errors = 0
        guard case .item = try reader.next() else {
            Issue.record("the first row is not a record")
            return
        }
        records += 1
        // The first record is out after one chunk of the 10 MB file.
        #expect(reader.peakBufferedBytes <= options.chunkSize + 1024)
        while let event = try reader.next() {
            switch event {
            case .item: records += 1
            case .error: errors += 1
            }
        }
        #expect(records == 199_980)
        #expect(errors == 20)
        #expect(reader.summary.rowsRead == 200_000)
        #expect(reader.summary.isBalanced)
        #expect(reader.peakBufferedBytes <= options.chunkSize + 1024)
    }

    @Test func groupedMeetingsHoldOneMeetingAtATime() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("so-sinh-hoat.csv")
        let header = "Mã cuộc họp,Chi bộ,Ngày sinh hoạt,Loại,Số thẻ đảng viên,Họ và tên,Điểm danh"
        let size = try write(header: header, rows: 40_000, to: url) { index in
            let meeting = (index - 1) / 20
            return
                "M\(meeting),Bản \(meeting % 50),\(meeting % 28 + 1)/\(meeting % 12 + 1)/2020,thường kỳ,\(index),Người \(index),x"
        }
        #expect(size > 2_000_000)
        let options = ImportOptions(entity: .meetings)
        let reader = try ImportReader(source: .file(path: url.path), options: options)
        var meetings = 0
        while let event = try reader.next() {
            if case .item(let item) = event {
                meetings += 1
                #expect(item.rows.count == 20)
            }
        }
        #expect(meetings == 2_000)
        #expect(reader.summary.isBalanced)
        #expect(reader.summary.errors == 0)
        #expect(reader.peakBufferedBytes <= options.chunkSize + 1024)
    }
}
