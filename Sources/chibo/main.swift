import ChiboCLI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// `chibo`: everything happens in ChiboCLI; this only passes the arguments and exits with the code.
StandardStreams.ignoreBrokenPipeSignal()
let code = await Chibo.run(arguments: Array(CommandLine.arguments.dropFirst()))
exit(code)
