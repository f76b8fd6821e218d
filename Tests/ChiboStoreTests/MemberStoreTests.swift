import ChiboModel
import ChiboStore
import ChiboTesting
import Testing

/// Members in the store, on every backend: status derived from events, search, Vietnamese order,
/// history.
@Suite struct MemberStoreTests {

    /// A store with a commune and two cells.
    private func storeWithCells(_ backend: TestBackend) async throws -> any Store {
        let store = try await backend.makeStore()
        let context = SQLiteStoreTests.context()
        _ = try await store.createOrgUnit(OrgUnit(id: "mb", name: "Xã Mường Bằng", kind: .commune), context: context)
        _ = try await store.createOrgUnit(
            OrgUnit(id: "bo", name: "Chi bộ bản Bó", kind: .cell, parentId: "mb"),
            context: context
        )
        _ = try await store.createOrgUnit(
            OrgUnit(id: "ang", name: "Chi bộ bản Áng", kind: .cell, parentId: "mb"),
            context: context
        )
        return store
    }

    @Test(arguments: TestBackend.all)
    func statusIsDerivedFromEventsAndNamesAreSplit(backend: TestBackend) async throws {
        let store = try await storeWithCells(backend)
        let member = try await store.createMember(
            Member(
                partyCardNumber: "91.0001",
                fullName: "Tòng Văn Hạnh",
                cellId: "bo",
                events: [StatusEvent(kind: .admitted, effectiveOn: day(2005, 5, 19))],
                status: .deceased
            ),
            context: SQLiteStoreTests.context()
        )
        #expect(member.status == .probationary, "the status on write is ignored")
        #expect((member.familyName, member.middleName, member.givenName) == ("Tòng", "Văn", "Hạnh"))
        #expect(member.events.allSatisfy { !$0.id.isEmpty })
        let official = try await store.addStatusEvent(
            memberID: member.id,
            revision: 1,
            event: StatusEvent(kind: .madeOfficial, effectiveOn: day(2006, 5, 19)),
            context: SQLiteStoreTests.context()
        )
        #expect(official.status == .official)
        #expect(official.officialOn == day(2006, 5, 19))
        #expect(official.meta?.revision == 2)
        #expect(official.events.map(\.kind) == [.admitted, .madeOfficial], "the history reads as a timeline")
        await #expect(throws: StoreError.self) {
            _ = try await store.addStatusEvent(
                memberID: member.id,
                revision: 2,
                event: StatusEvent(kind: .returned, effectiveOn: day(2007, 1, 1)),
                context: SQLiteStoreTests.context()
            )
        }
        await #expect(throws: StoreError.staleRevision(entity: "member", id: member.id, expected: 1, actual: 2)) {
            _ = try await store.addStatusEvent(
                memberID: member.id,
                revision: 1,
                event: StatusEvent(kind: .deceased, effectiveOn: day(2030, 1, 1)),
                context: SQLiteStoreTests.context()
            )
        }
        #expect(try await store.member(partyCardNumber: "91.0001")?.id == member.id)
    }

    @Test(arguments: TestBackend.all)
    func membersBelongToExistingCellsAndCardNumbersAreUnique(backend: TestBackend) async throws {
        let store = try await storeWithCells(backend)
        await #expect(throws: StoreError.failedPrecondition("cell nowhere does not exist")) {
            _ = try await store.createMember(
                Member(fullName: "Lò Văn A", cellId: "nowhere"),
                context: SQLiteStoreTests.context()
            )
        }
        await #expect(throws: StoreError.failedPrecondition("mb is not a cell; members belong to cells")) {
            _ = try await store.createMember(
                Member(fullName: "Lò Văn A", cellId: "mb"),
                context: SQLiteStoreTests.context()
            )
        }
        _ = try await store.createMember(
            Member(partyCardNumber: "X1", fullName: "Lò Văn A", cellId: "bo"),
            context: SQLiteStoreTests.context()
        )
        await #expect(throws: StoreError.alreadyExists(entity: "member with party card number", key: "X1")) {
            _ = try await store.createMember(
                Member(partyCardNumber: "X1", fullName: "Lò Văn B", cellId: "bo"),
                context: SQLiteStoreTests.context()
            )
        }
    }

    @Test(arguments: TestBackend.all)
    func searchIgnoresDiacriticsAndListsSortTheVietnameseWay(backend: TestBackend) async throws {
        let store = try await storeWithCells(backend)
        let names = ["Tòng Văn Hạnh", "Lò Thị An", "Đặng Văn Ân", "Bạc Cầm An", "Lường Văn Bình", "Đinh Thị Đào"]
        for (index, name) in names.enumerated() {
            _ = try await store.createMember(
                Member(fullName: name, cellId: index % 2 == 0 ? "bo" : "ang"),
                context: SQLiteStoreTests.context()
            )
        }
        let all = try await store.listMembers(MemberQuery())
        #expect(
            all.records.map(\.fullName) == [
                "Bạc Cầm An", "Lò Thị An", "Đặng Văn Ân", "Lường Văn Bình", "Đinh Thị Đào", "Tòng Văn Hạnh",
            ]
        )
        #expect(
            try await store.listMembers(MemberQuery(nameQuery: "tong van hanh")).records.map(\.fullName) == [
                "Tòng Văn Hạnh"
            ]
        )
        #expect(try await store.listMembers(MemberQuery(nameQuery: "dao")).records.map(\.fullName) == ["Đinh Thị Đào"])
        #expect(try await store.listMembers(MemberQuery(nameQuery: "an")).records.count == 3)
        #expect(try await store.listMembers(MemberQuery(nameQuery: "50%_")).records.isEmpty)
        let inBo = try await store.listMembers(MemberQuery(cellID: "bo"))
        #expect(inBo.records.count == 3)
        #expect(try await store.listMembers(MemberQuery(subtreeOf: "mb")).records.count == 6)
    }

    @Test(arguments: TestBackend.all)
    func updatesTouchOnlyMaskedFields(backend: TestBackend) async throws {
        let store = try await storeWithCells(backend)
        let member = try await store.createMember(
            Member(fullName: "Lò Văn Bun", ethnicity: "Thái", phone: "0912", cellId: "bo"),
            context: SQLiteStoreTests.context()
        )
        var change = Member(id: member.id, fullName: "Lò Văn Bủn", phone: "", meta: member.meta)
        change.ethnicity = "Kinh"
        let updated = try await store.updateMember(change, mask: ["full_name"], context: SQLiteStoreTests.context())
        #expect(updated.fullName == "Lò Văn Bủn")
        #expect(updated.givenName == "Bủn")
        #expect(updated.ethnicity == "Thái")
        #expect(updated.phone == "0912")
        #expect(try await store.listMembers(MemberQuery(nameQuery: "bun")).records.first?.fullName == "Lò Văn Bủn")
    }
}
