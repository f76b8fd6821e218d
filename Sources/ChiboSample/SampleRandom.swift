/// The seeded pseudo-random generator every sample dataset draws from: SplitMix64 (Steele, Lea
/// and Flood, 2014), 64 bits of state, fast and good enough for sample data.
///
/// Swift's `SystemRandomNumberGenerator` cannot be seeded, and the standard library does not
/// promise that `Int.random(in:using:)` or `shuffled(using:)` turn the same generator output into
/// the same values from one Swift release to the next. So this type does not conform to
/// `RandomNumberGenerator`: every draw goes through its own methods below, and the same seed
/// gives byte-identical datasets on every platform and toolchain.
public struct SampleRandom: Sendable {
    private var state: UInt64

    /// A generator whose output is fully determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// An independent generator for a named part of the data (a cell, a commune, a phase), so
    /// parts can be generated in any order, or again, and come out the same. Does not advance
    /// `self`.
    public func derived(_ labels: UInt64...) -> SampleRandom {
        var seed = Self.mix(state ^ 0x5851_F42D_4C95_7F2D)
        for label in labels {
            seed = Self.mix(seed &+ 0x9E37_79B9_7F4A_7C15 &* (label &+ 1))
        }
        return SampleRandom(seed: seed)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A number in `0..<bound` (Lemire's multiply-shift; the bias is below 2⁻³² for the small
    /// bounds sample data uses). `bound` must be positive.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "below(_:) needs a positive bound")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A number in the closed range.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A number in `[0, 1)` with 53 random bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// One element of a non-empty array.
    public mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[below(elements.count)]
    }

    /// The elements in a random order (Fisher–Yates).
    public mutating func shuffled<Element>(_ elements: [Element]) -> [Element] {
        var result = elements
        var index = result.count - 1
        while index > 0 {
            result.swapAt(index, below(index + 1))
            index -= 1
        }
        return result
    }

    /// `count` distinct elements chosen at random, in a random order.
    public mutating func sample<Element>(_ elements: [Element], count: Int) -> [Element] {
        Array(shuffled(elements).prefix(count))
    }

    /// SplitMix64's output function.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
