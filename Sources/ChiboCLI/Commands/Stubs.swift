import ArgumentParser

struct Evaluations: AsyncParsableCommand {}
struct Rules: AsyncParsableCommand {}
struct Reports: AsyncParsableCommand {}
