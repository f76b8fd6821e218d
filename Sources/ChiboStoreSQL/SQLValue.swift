import Foundation

/// One value as a SQL backend stores it: the storage classes SQLite has and the PostgreSQL
/// column types the schema uses (BIGINT, DOUBLE PRECISION, TEXT, BYTEA) map onto the same five.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// A Swift type stored in one SQL column: how it is bound as an argument and read back.
public protocol SQLValueConvertible: Sendable {
    /// The value to bind.
    var sqlValue: SQLValue { get }
    /// The Swift value of a column, or nil when the column holds another kind of value.
    static func fromSQLValue(_ value: SQLValue) -> Self?
}

extension String: SQLValueConvertible {
    /// See `SQLValueConvertible`.
    public var sqlValue: SQLValue { .text(self) }
    /// See `SQLValueConvertible`.
    public static func fromSQLValue(_ value: SQLValue) -> String? {
        if case .text(let text) = value { return text }
        return nil
    }
}

extension Int64: SQLValueConvertible {
    /// See `SQLValueConvertible`.
    public var sqlValue: SQLValue { .integer(self) }
    /// See `SQLValueConvertible`.
    public static func fromSQLValue(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let integer): integer
        case .real(let real): Int64(exactly: real)
        default: nil
        }
    }
}

extension Int: SQLValueConvertible {
    /// See `SQLValueConvertible`.
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    /// See `SQLValueConvertible`.
    public static func fromSQLValue(_ value: SQLValue) -> Int? { Int64.fromSQLValue(value).map { Int($0) } }
}

extension Int32: SQLValueConvertible {
    /// See `SQLValueConvertible`.
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    /// See `SQLValueConvertible`.
    public static func fromSQLValue(_ value: SQLValue) -> Int32? {
        Int64.fromSQLValue(value).flatMap { Int32(exactly: $0) }
    }
}

/// Booleans are stored as the integers 0 and 1 on every backend.
extension Bool: SQLValueConvertible {
    /// See `SQLValueConvertible`.
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    /// See `SQLValueConvertible`.
    public static func fromSQLValue(_ value: SQLValue) -> Bool? { Int64.fromSQLValue(value).map { $0 != 0 } }
}

extension Double: SQLValueConvertible {
    /// See `SQLValueConvertible`.
    public var sqlValue: SQLValue { .real(self) }
    /// See `SQLValueConvertible`.
    public static func fromSQLValue(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let real): real
        case .integer(let integer): Double(integer)
        default: nil
        }
    }
}

extension Data: SQLValueConvertible {
    /// See `SQLValueConvertible`.
    public var sqlValue: SQLValue { .blob(self) }
    /// See `SQLValueConvertible`.
    public static func fromSQLValue(_ value: SQLValue) -> Data? {
        if case .blob(let data) = value { return data }
        return nil
    }
}

/// An optional binds NULL for nil and reads NULL as nil.
extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    /// See `SQLValueConvertible`.
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    /// See `SQLValueConvertible`.
    public static func fromSQLValue(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.fromSQLValue(value).map { .some($0) }
    }
}

/// The arguments of a statement, bound to its `?` placeholders in order.
public struct SQLArguments: ExpressibleByArrayLiteral, Sendable {
    /// The values, in placeholder order.
    public var values: [SQLValue]

    /// Arguments from Swift values; nil binds NULL.
    public init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    /// Arguments from values already converted.
    public init(values: [SQLValue]) { self.values = values }

    /// Appends the arguments of `other`.
    public mutating func append(contentsOf other: SQLArguments) { values += other.values }

    /// Appends the arguments of `right`.
    public static func += (left: inout SQLArguments, right: SQLArguments) { left.values += right.values }
}
