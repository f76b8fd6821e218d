import ChiboStoreSQL
import Testing

@testable import ChiboStorePostgres

/// How the PostgreSQL store rewrites and holds back statements: pure functions, no server.
@Suite struct PostgresStatementTests {
    @Test func placeholdersAreNumberedAsSQLiteNumbersThem() {
        #expect(PlaceholderTranslation.numbered("SELECT ? , ?") == "SELECT $1 , $2")
        // `?NNN` takes number NNN; a plain `?` after it takes the next one.
        #expect(
            PlaceholderTranslation.numbered("WHERE a = ? AND b >= ?2 AND c <= ?3 AND d = ?")
                == "WHERE a = $1 AND b >= $2 AND c <= $3 AND d = $4"
        )
        // Quoted text and identifiers are left alone.
        #expect(
            PlaceholderTranslation.numbered("SELECT '?' || \"a?b\" FROM t WHERE x = ?")
                == "SELECT '?' || \"a?b\" FROM t WHERE x = $1"
        )
    }

    @Test func singleRowInsertsAreHeldBackAndOthersAreNot() throws {
        let insert = try #require(
            BufferableInsert.parse(
                """
                INSERT INTO change_log (at_ms, actor, entity)
                VALUES (?, ?, ?)
                """
            )
        )
        #expect(insert.table == "change_log")
        #expect(insert.width == 3)
        #expect(
            insert.statement(rows: 2)
                == "INSERT INTO change_log (at_ms, actor, entity) VALUES ($1, $2, $3), ($4, $5, $6)"
        )
        let ignoring = try #require(
            BufferableInsert.parse("INSERT INTO import_key (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING")
        )
        #expect(ignoring.statement(rows: 1) == "INSERT INTO import_key (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        // Upserts, expressions, numbered placeholders and mismatched columns are sent as they are.
        #expect(
            BufferableInsert.parse("INSERT INTO t (a) VALUES (?) ON CONFLICT(a) DO UPDATE SET a = excluded.a") == nil
        )
        #expect(BufferableInsert.parse("INSERT INTO t (a, b) VALUES (?, COALESCE(?, 0))") == nil)
        #expect(BufferableInsert.parse("INSERT INTO t (a) VALUES (?1)") == nil)
        #expect(BufferableInsert.parse("INSERT INTO t (a, b) VALUES (?)") == nil)
        #expect(BufferableInsert.parse("UPDATE t SET a = ?") == nil)
    }

    @Test func aStatementNamingATableSendsItsHeldBackRowsOnly() throws {
        let member = try #require(BufferableInsert.parse("INSERT INTO member (id) VALUES (?)"))
        let event = try #require(BufferableInsert.parse("INSERT INTO member_event (id) VALUES (?)"))
        var pending = PendingInserts()
        pending.add(member, [.text("m1")])
        pending.add(event, [.text("e1")])
        // `member_id` is not `member`: a word must name the table itself.
        #expect(pending.touched(by: StatementWords.of("SELECT 1 FROM attendance WHERE member_id = ?")).isEmpty)
        let touched = pending.touched(by: StatementWords.of("SELECT id FROM member WHERE party_card_number = ?"))
        #expect(touched == ["member"])
        let sent = pending.take(only: touched)
        #expect(sent.map(\.0.table) == ["member"])
        #expect(pending.rows.map(\.values) == [[.text("e1")]])
    }

    @Test func aRolledBackSavepointDropsItsRowsAndHoldsBackAgainWhatItSent() throws {
        let log = try #require(BufferableInsert.parse("INSERT INTO change_log (id) VALUES (?)"))
        var pending = PendingInserts()
        pending.add(log, [.text("row 1")])  // written before the savepoint
        pending.savepointOpened()
        pending.add(log, [.text("row 2")])  // written inside it
        // Sent inside the savepoint: both go to the server, so rolling back undoes both there.
        let sent = pending.take()
        #expect(sent.first?.1.count == 2)
        pending.add(log, [.text("row 3")])
        pending.savepointRolledBack()
        // Row 1 must reach the server again; rows 2 and 3 are gone.
        #expect(pending.rows.map(\.values) == [[.text("row 1")]])
    }

    @Test func aReleasedSavepointHandsItsRowsToTheEnclosingOne() throws {
        let log = try #require(BufferableInsert.parse("INSERT INTO change_log (id) VALUES (?)"))
        var pending = PendingInserts()
        pending.add(log, [.text("outside")])
        pending.savepointOpened()  // level 1
        pending.savepointOpened()  // level 2
        _ = pending.take()  // "outside" is sent inside level 2
        pending.add(log, [.text("inner")])
        pending.savepointReleased()  // back to level 1: "inner" belongs to level 1 now
        pending.savepointRolledBack()  // level 1 rolled back: "inner" goes, "outside" comes back
        #expect(pending.rows.map(\.values) == [[.text("outside")]])
    }
}
