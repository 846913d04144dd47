#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Governance
import Testing
@testable import Configuration

/// The file shipped as /etc/moses-coordinator/coordinator.yaml.
struct PackagedConfigTests {
    static let packagedPath: String = {
        // Tests/ConfigurationTests/PackagedConfigTests.swift → repository root.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("packaging/coordinator.yaml").path
    }()

    @Test func packagedFileParsesWithoutErrors() throws {
        let result = try ConfigLoader(home: nil).load(contentsOf: Self.packagedPath)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(result.config != nil)
    }

    @Test func packagedValuesAreTheBuiltInDefaults() throws {
        let config = try #require(try ConfigLoader(home: nil).load(contentsOf: Self.packagedPath).config)
        #expect(config.policy == Policy())
        #expect(config.store == StoreSettings())
        #expect(config.notifications == NotificationSettings())
        #expect(config.metrics == MetricsSettings())
        #expect(config.gateway == GatewaySettings())
        // The one deliberate difference: the MO§ES files are read through a mount point in
        // the service's state directory instead of ~/.openclaw.
        #expect(config.moses.ledgerPath == "/var/lib/moses-coordinator/openclaw/audits/moses/audit_ledger.jsonl")
        #expect(config.moses.statePath == "/var/lib/moses-coordinator/openclaw/governance/state.json")
    }

    @Test func everyKeyOfTheSchemaIsInThePackagedFile() throws {
        let result = try ConfigLoader(home: nil).load(contentsOf: Self.packagedPath)
        let config = try #require(result.config)
        func keyPaths(_ value: ConfigValue, prefix: String) -> [String] {
            guard case .map(let entries) = value else { return [prefix] }
            return entries.flatMap { key, child -> [String] in
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                // Below these the keys are data (agent ids, mode names), not schema.
                if ["roles", "rules.prohibited_patterns"].contains(path) { return [path] }
                return keyPaths(child, prefix: path)
            }
        }
        let expected = keyPaths(config.effectiveTree(), prefix: "")
        let written = Set(result.positions.keys)
        for key in expected {
            #expect(written.contains(key), "\(key) is not documented in the packaged file")
        }
    }
}
