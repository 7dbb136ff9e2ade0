import Testing

extension Tag {
    /// Suites that start child processes (`polybot`, chromium and chromedriver, Python's official client): the slow
    /// layer. `make test` runs the pure unit layer (PolybotCoreTests) first, then everything else; these suites are
    /// tagged so a reader — and Xcode's or VS Code's test navigator — can tell them apart.
    @Tag package static var spawnsProcesses: Self
}
