import ChiboImportClient
import Foundation

// `chibo-import`: everything happens in ChiboImportClient; this passes the arguments and exits.
let code = await ImportCommand.run(arguments: Array(CommandLine.arguments.dropFirst()))
exit(code)
