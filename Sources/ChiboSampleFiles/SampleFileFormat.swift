/// The import file formats a sample dataset is written in (see docs/IMPORT.md).
public enum SampleFileFormat: String, CaseIterable, Hashable, Sendable {
    /// CSV with the Vietnamese headers and `dd/MM/yyyy` dates a commune's spreadsheet holds.
    case csv
    /// JSON Lines: one proto3 JSON message per line, units and members named by their keys.
    case jsonl
    /// Varint-delimited protobuf (`writeDelimitedTo`), the same messages as JSON Lines.
    case protobuf
    /// An Excel workbook with the CSV file's table under a title row, dates as Excel dates.
    case xlsx

    /// The file name extension: `csv`, `jsonl`, `binpb`, `xlsx`.
    public var fileExtension: String {
        switch self {
        case .csv: "csv"
        case .jsonl: "jsonl"
        case .protobuf: "binpb"
        case .xlsx: "xlsx"
        }
    }
}

/// The files a dataset is written to, one per entity, in the order they must be imported.
public enum SampleFileEntity: String, CaseIterable, Hashable, Sendable {
    /// Org units, parents before children.
    case orgUnits = "org_units"
    /// Members' profiles (their status events are in `statusEvents`).
    case members
    /// Every status event of every member, in date order per member.
    case statusEvents = "status_events"
    /// Meetings with their attendance (in CSV, one row per attendance record).
    case meetings
    /// Resolutions, naming their meeting by its key.
    case resolutions
    /// Yearly evaluations of cells and members.
    case evaluations

    /// The title a clerk puts above the table in a workbook.
    public var title: String {
        switch self {
        case .orgUnits: "DANH SÁCH TỔ CHỨC ĐẢNG"
        case .members: "DANH SÁCH ĐẢNG VIÊN"
        case .statusEvents: "BIẾN ĐỘNG ĐẢNG VIÊN"
        case .meetings: "SỔ GHI BIÊN BẢN SINH HOẠT CHI BỘ"
        case .resolutions: "NGHỊ QUYẾT CỦA CHI BỘ"
        case .evaluations: "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI"
        }
    }

    /// The file's name in a format, for example `status_events.csv`.
    public func fileName(_ format: SampleFileFormat) -> String { "\(rawValue).\(format.fileExtension)" }
}
