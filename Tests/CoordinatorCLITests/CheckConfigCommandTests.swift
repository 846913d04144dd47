import Foundation
import Testing

/// `moses-coordinator check-config`, run as the built binary: output and exit codes.
@Suite struct CheckConfigCommandTests {
    static var packagedConfig: String {
        CoordinatorBinary.repository.appendingPathComponent("packaging/coordinator.yaml").path
    }

    /// Writes `text` to a fresh temporary file and returns its path.
    func temporaryConfig(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("check-config-\(UUID().uuidString).yaml")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func packagedConfigIsOkAndPrintsTheEffectiveConfiguration() throws {
        let result = try CoordinatorBinary.run(["check-config", "--config", Self.packagedConfig])
        #expect(result.status == 0, "stdout: \(result.stdout)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "\(Self.packagedConfig): Ok")
        #expect(result.stdout.contains("Effective configuration:\ngateway:\n  url: \"ws://127.0.0.1:18789\"\n"))
        #expect(result.stdout.contains("  drift_repeat_limit: 3\n"))
    }

    @Test func invalidFileListsEveryErrorWithItsLineAndExits78() throws {
        let path = try temporaryConfig("""
            gateway:
              token: hunter2-secret
            store:
              batch_row: 10
              overflow: sometimes
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CoordinatorBinary.run(["check-config", "--config", path])
        #expect(result.status == 78)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "\(path): Invalid (3 errors)")
        #expect(lines.contains { $0.hasPrefix("  \(path):2:3: error[inline-secret] gateway.token:") })
        #expect(lines.contains { $0.hasPrefix("  \(path):4:3: error[unknown-key] store.batch_row:") })
        #expect(lines.contains { $0.hasPrefix("  \(path):5:13: error[unknown-value] store.overflow:") })
        #expect(!result.stdout.contains("hunter2"))
        #expect(!result.stdout.contains("Effective configuration"))
    }

    @Test func jsonReportIsOneObjectWithErrorsAndWarningsApart() throws {
        let path = try temporaryConfig("metrics:\n  address: 0.0.0.0:9464\nsequence: [primary, boss]\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CoordinatorBinary.run(["check-config", "--config", path, "--json"])
        #expect(result.status == 78)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "invalid")
        let errors = try #require(object["errors"] as? [[String: Any]])
        #expect(errors.map { $0["code"] as? String } == ["unknown-role"])
        #expect(errors.first?["line"] as? Int == 3)
        let warnings = try #require(object["warnings"] as? [[String: Any]])
        #expect(warnings.contains { $0["key"] as? String == "metrics.address" })
        #expect(object["effective"] is NSNull)
    }

    @Test func missingFileExits66() throws {
        let result = try CoordinatorBinary.run(["check-config", "--config", "/nonexistent/coordinator.yaml"])
        #expect(result.status == 66)
        #expect(result.stdout.contains("Unreadable"))
    }
}
