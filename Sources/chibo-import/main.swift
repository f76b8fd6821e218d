import ChiboImportClient
import Foundation

// `chibo-import`: everything happens in ChiboImportClient; this passes the arguments and exits.
let code = await ImportTool.run(
    arguments: Array(CommandLine.arguments.dropFirst()),
    environment: ProcessInfo.processInfo.environment
)
exit(code)
