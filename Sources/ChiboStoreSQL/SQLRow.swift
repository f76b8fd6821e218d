/// The column names of a result, shared by its rows.
public final class SQLColumns: Sendable {
    /// The names as the backend reported them.
    public let names: [String]
    private let positions: [String: Int]

    /// Columns named `names`; lookups ignore case (PostgreSQL folds unquoted names to lower case).
    public init(names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated().reversed() { positions[name.lowercased()] = index }
        self.positions = positions
    }

    /// The position of the column named `name`.
    public func position(of name: String) -> Int? { positions[name] ?? positions[name.lowercased()] }
}

/// One row of a result. Columns are read by name or position as the type the context asks for;
/// asking for a column that is not there, or for a type the column cannot hold, is a programming
/// error in a query and stops the process, as it does with GRDB.
public struct SQLRow: Sendable {
    /// The names of the columns.
    public let columns: SQLColumns
    /// The values, by position.
    public let values: [SQLValue]

    /// A row of `values` under `columns`.
    public init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The column named `name`.
    public subscript<Value: SQLValueConvertible>(_ name: String) -> Value {
        guard let position = columns.position(of: name) else {
            fatalError("no column \(name) in a result of \(columns.names)")
        }
        return self[position]
    }

    /// The column at `position`.
    public subscript<Value: SQLValueConvertible>(_ position: Int) -> Value {
        guard let value = Value.fromSQLValue(values[position]) else {
            fatalError("column \(columns.names[position]) holds \(values[position]), not \(Value.self)")
        }
        return value
    }
}
