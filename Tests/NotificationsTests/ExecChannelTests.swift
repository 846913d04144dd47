#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Testing
import TestSupport
import WireFormats
@testable import Notifications

@Suite struct ExecChannelTests {
    /// The program gets each violation as one JSON line on its standard input, in order.
    @Test func programReceivesViolationJSONOnStandardInput() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let output = directory.file("received.jsonl")
        let program = Fixtures.script("cat >> '\(output)'", in: directory, name: "notify.sh")
        let violations = (1...3).map { Fixtures.violation($0) }
        try Fixtures.store(violations, at: path, channels: [.exec])
        let worker = try DeliveryWorker(
            path: path, configuration: Fixtures.fastConfiguration(execProgram: program), logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        #expect(waitUntil { worker.outboxCounts.delivered == 3 })
        worker.stop()
        #expect(Fixtures.contents(of: output) == violations.map { $0.jsonLine + "\n" }.joined())
    }

    @Test func nonZeroExitIsAFailureNamingTheStatus() {
        let directory = TemporaryDirectory()
        let program = Fixtures.script("cat > /dev/null; exit 3", in: directory, name: "fail.sh")
        let result = ExecRunner(program: program).run(input: Array("{}\n".utf8), timeoutMs: 5_000)
        guard case .failure(let error) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(error == .programFailed(program: program, status: "exited with status 3"))
    }

    /// A program that hangs is killed at the timeout.
    @Test func hangingProgramIsKilledAtTheTimeout() {
        let directory = TemporaryDirectory()
        let program = Fixtures.script("exec sleep 30", in: directory, name: "hang.sh")
        let started = ContinuousClock.now
        let result = ExecRunner(program: program).run(input: Array("{}\n".utf8), timeoutMs: 200)
        guard case .failure(let error) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(error == .timedOut(channel: "exec", afterMs: 200))
        #expect(started.duration(to: .now) < .seconds(5))
    }

    /// The program gets standard input, output and error only: not a descriptor the daemon
    /// left inheritable (here a plain pipe, as the signal pipe was), nor anything else.
    @Test func programInheritsOnlyStandardDescriptors() throws {
        let directory = TemporaryDirectory()
        var inheritable: [Int32] = [-1, -1]
        #expect(pipe(&inheritable) == 0)
        defer { for end in inheritable { close(end) } }
        let listing = directory.file("fds.txt")
        let program = Fixtures.script("cat > /dev/null; exec ls -l /proc/self/fd > '\(listing)'", in: directory, name: "fds.sh")
        let result = ExecRunner(program: program).run(input: Array("{}\n".utf8), timeoutMs: 5_000)
        #expect(throws: Never.self) { try result.get() }
        #expect(Self.descriptors(inListing: Fixtures.contents(of: listing)) == [0, 1, 2], "\(Fixtures.contents(of: listing))")
    }

    /// The descriptors in `ls -l /proc/self/fd` output, less the one `ls` opened to list them.
    static func descriptors(inListing listing: String) -> [Int32] {
        listing.split(separator: "\n").compactMap { line -> Int32? in
            guard let arrow = line.firstRange(of: " -> "),
                  let name = line[..<arrow.lowerBound].split(separator: " ").last, let descriptor = Int32(name)
            else { return nil }
            let target = line[arrow.upperBound...]
            return target.hasPrefix("/proc/") && target.hasSuffix("/fd") ? nil : descriptor
        }.sorted()
    }

    @Test func missingProgramIsASpawnFailure() {
        let result = ExecRunner(program: "/nonexistent/notify").run(input: [], timeoutMs: 1_000)
        guard case .failure(.spawnFailed(let program, _)) = result else {
            Issue.record("expected a spawn failure, got \(result)")
            return
        }
        #expect(program == "/nonexistent/notify")
    }
}
