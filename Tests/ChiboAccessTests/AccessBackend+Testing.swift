import ChiboTesting
import Testing

/// Names each backend in the test report of a test parameterised over them.
extension AccessBackend: CustomTestStringConvertible {
    /// The backend's name.
    public var testDescription: String { rawValue }
}
