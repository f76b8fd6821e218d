import ChiboModel
import ChiboStore
import Foundation

extension SQLStore {
    /// Values a statement looks up at once (`… IN (?, ?, …)`), at most this many a statement.
    static let valuesPerLookup = 500

    /// The rows of `sql`, a statement ending with `IN`, completed with a placeholder per value
    /// (and `suffix`, such as a `GROUP BY`) and run once per `valuesPerLookup` values: a
    /// batch's keys looked up in a few statements instead of one each, whatever their number.
    /// `leading` binds the placeholders before the list.
    static func rows(
        _ db: any SQLDatabase,
        in sql: String,
        _ values: [some SQLValueConvertible],
        leading: SQLArguments = [],
        suffix: String = ""
    ) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        var start = 0
        while start < values.count {
            let chunk = values[start..<min(values.count, start + valuesPerLookup)]
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            rows += try SQLRow.fetchAll(
                db,
                sql: "\(sql) (\(placeholders))\(suffix.isEmpty ? "" : " " + suffix)",
                arguments: SQLArguments(values: leading.values + chunk.map(\.sqlValue))
            )
            start += chunk.count
        }
        return rows
    }

    /// Runs `sql`, a statement ending with `IN`, completed with a placeholder per value, once
    /// per `valuesPerLookup` values.
    static func execute(_ db: any SQLDatabase, in sql: String, _ values: [some SQLValueConvertible]) throws {
        var start = 0
        while start < values.count {
            let chunk = values[start..<min(values.count, start + valuesPerLookup)]
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            try db.execute(
                sql: "\(sql) (\(placeholders))",
                arguments: SQLArguments(values: chunk.map(\.sqlValue))
            )
            start += chunk.count
        }
    }

    /// The members (records) `sql` finds among `cards`, by card number (see `rows(_:in:_:)`).
    static func membersByCard(_ db: any SQLDatabase, sql: String, _ cards: [String]) throws -> [String: Member] {
        var found: [String: Member] = [:]
        for row in try rows(db, in: sql, Array(Set(cards.filter { !$0.isEmpty }))) {
            let member = try Member(serializedBytes: [UInt8](row["record"] as Data))
            found[member.partyCardNumber] = member
        }
        return found
    }
}
