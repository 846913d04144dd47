#if canImport(Glibc)
import Glibc
#endif
import Governance
import Testing
import TestSupport
@testable import AuditStore

@Suite struct ViolationSpoolTests {
    @Test func violationsRoundTripThroughASpoolFile() throws {
        let directory = TemporaryDirectory()
        let spool = ViolationSpool(directory: directory.file("spool"))
        var unusual = Fixtures.violation(7, conversation: "telegram:dm:«ü»\n\"quoted\"", rule: .ledgerIntegrity)
        unusual.role = nil
        unusual.runID = nil
        let violations = [Fixtures.violation(1), unusual]
        let file = try spool.write(violations, at: 1_763_990_000_000)
        var status = stat()
        #expect(stat(file, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o640)
        let contents = spool.load()
        #expect(contents.files == [file])
        #expect(contents.violations == violations)
        #expect(contents.refusedLines == 0)
        try spool.remove(contents.files)
        #expect(spool.load().files.isEmpty)
    }

    @Test func linesThatAreNotViolationsAreCountedAndKeptAside() throws {
        let directory = TemporaryDirectory()
        let spool = ViolationSpool(directory: directory.file("spool"))
        let file = try spool.write([Fixtures.violation(1)], at: 1)
        let appended = fopen(file, "a")!
        fputs("{\"at\": 1, \"rule\": \"no-such-rule\"}\nnot json\n", appended)
        fclose(appended)
        let contents = spool.load()
        #expect(contents.violations == [Fixtures.violation(1)])
        #expect(contents.refusedLines == 2)
        try spool.remove(contents.files, keeping: contents.filesWithRefusedLines)
        #expect(access(file + ".refused", F_OK) == 0)
        #expect(spool.load().files.isEmpty)
    }

    @Test func aMissingSpoolDirectoryIsAnEmptySpool() {
        let directory = TemporaryDirectory()
        let contents = ViolationSpool(directory: directory.file("nowhere")).load()
        #expect(contents.files.isEmpty && contents.violations.isEmpty)
    }
}
