import ArgumentParser
import ChiboModel

extension Meetings {
    /// `chibo meetings minutes`: the meeting's minutes as a printable page.
    public struct Minutes: AsyncParsableCommand {
        /// Description.
        public static let configuration = CommandConfiguration(
            abstract: "Write a meeting's minutes (biên bản) as a printable HTML page in Vietnamese.",
            discussion: """
                Sections: time and place, chair and recorder, attendance (present, excused with \\
                reasons, unexcused, guests with the supervising member), agenda, contributions, \\
                resolutions with owners and due dates, signatures. The page names members, so the \\
                file is written with mode 0600. Print it from a browser (A4).
                """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var reference: MeetingReference
        @Option(help: "The HTML file to write (- for standard output).") var html: String
        @Option(help: "An earlier revision of the minutes.") var revision: Int64 = 0

        /// Creates the command.
        public init() {}

        /// Runs it.
        public func run() async throws {
            try await global.session { session in
                let meeting = try await reference.read(session, revision: revision)
                let cell = try await session.knownUnit(meeting.cellId) ?? OrgUnit(id: meeting.cellId)
                let parent = cell.parentId.isEmpty ? nil : try await session.knownUnit(cell.parentId)
                let members = try await session.list(
                    .membersList,
                    ListMembersRequest(
                        cellId: meeting.cellId,
                        asOf: meeting.heldOn,
                        includeVoided: true,
                        includeAttached: true
                    ),
                    as: Member.self
                )
                var names: [String: String] = [:]
                for member in members { names[member.id] = member.fullName }
                let page = MinutesHTML(meeting: meeting, cell: cell, parent: parent, names: names).render()
                if html == "-" {
                    session.printer.console.out(page)
                    return
                }
                do {
                    try PrivateOutput.write(page, to: html)
                } catch {
                    throw CLIFailure.local("cannot write \(html): \(error)")
                }
                session.note(session.printer.presenter.text("wrote \(html)", "đã ghi \(html)"))
                Voided.note(meeting.meta, session)
            }
        }
    }
}
