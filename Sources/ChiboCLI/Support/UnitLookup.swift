import ChiboModel

extension Session {
    /// The id of the unit a user named by id or by code: the id when a unit has it, else the
    /// unit whose code it is (today's tree), so `--unit MB` works as well as `--unit ou-…`.
    /// When the caller may not read units, the name is passed on as given for the report's
    /// own call to accept or refuse.
    func unitID(_ idOrCode: String) async throws(CLIFailure) -> String {
        let notFound = ExitCodes.forStatus(.notFound)
        do {
            let byID = try await unary(.orgUnitsGet, GetOrgUnitRequest(id: idOrCode), as: OrgUnitResponse.self)
            return byID.unit?.id ?? idOrCode
        } catch let failure where failure.exitCode != notFound {
            return idOrCode
        } catch {
            // Not an id: try it as a code.
        }
        do {
            let byCode = try await unary(.orgUnitsGet, GetOrgUnitRequest(code: idOrCode), as: OrgUnitResponse.self)
            return byCode.unit?.id ?? idOrCode
        } catch let failure where failure.exitCode == notFound {
            throw CLIFailure(
                exitCode: notFound,
                lines: ["error: NOT_FOUND: no unit has the id or the code \(idOrCode)"]
            )
        } catch {
            return idOrCode
        }
    }
}
