import Testing

/// The daemon links no full Foundation and no ICU: with them it carried ~60 MB of shared
/// libraries (ICU alone 40.8 MB) and twice the resident memory at rest. FoundationEssentials
/// is allowed; one `import Foundation` anywhere in the daemon's graph (a dependency too)
/// brings the rest back.
struct LinkedLibrariesTests {
    @Test func theBinaryLinksNeitherFoundationNorICU() throws {
        let ldd = try CoordinatorBinary.run([CoordinatorBinary.url.path], program: "/usr/bin/ldd")
        #expect(ldd.status == 0, "\(ldd.stderr)")
        let libraries = ldd.stdout.split(separator: "\n").map { $0.trimmingPrefix(while: \.isWhitespace) }
        #expect(libraries.contains { $0.hasPrefix("libc.so") }, "ldd listed nothing recognisable: \(ldd.stdout)")
        let forbidden = libraries.filter { line in
            line.hasPrefix("libicu") || line.hasPrefix("libFoundation.so")
                || line.hasPrefix("libFoundationInternationalization") || line.hasPrefix("lib_FoundationICU")
                || line.hasPrefix("libFoundationNetworking") || line.hasPrefix("libFoundationXML")
        }
        #expect(forbidden.isEmpty, "linked: \(forbidden.joined(separator: "; "))")
    }
}
