#if canImport(Glibc)
import Glibc
#endif
import WireFormats

/// The seed's Python coordinator, as printed on its skill page (the MO§ES "Moses
/// Coordinator" page, saved in this project's `../shared/seed/`). The repository holds
/// no copy: the bench extracts the script from the page at run time.
enum SeedCoordinator {
    /// Where the page is looked for when `--seed-page` is not given, from the working
    /// directory (the repository checkout) and its parent.
    static let defaultPagePaths = [
        "../shared/seed/moses-coordinator-skill-page.txt",
        "../../shared/seed/moses-coordinator-skill-page.txt",
        "/work/shared/seed/moses-coordinator-skill-page.txt",
    ]

    /// Environment variable the extracted script reads its gateway URL from: the page
    /// hard-codes ws://127.0.0.1:18789, which the bench's simulator cannot count on.
    static let gatewayVariable = "MOSES_PEER_GATEWAY"

    /// The script's text: from its `#!/usr/bin/env python3` line to `asyncio.run(monitor())`,
    /// with only the gateway constant made to read `gatewayVariable` (same default).
    static func script(fromPage page: String) throws(PeerBenchError) -> String {
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.firstIndex(where: { $0.hasPrefix("#!/usr/bin/env python3") }),
              let last = lines[first...].firstIndex(where: { $0.trimmingLeadingSpaces == "asyncio.run(monitor())" })
        else { throw .seedScriptNotFound }
        var script: [String] = []
        var hasGateway = false
        for line in lines[first...last] {
            if line.hasPrefix("GATEWAY_WS = ") {
                hasGateway = true
                script.append(#"GATEWAY_WS = os.environ.get("\#(gatewayVariable)", \#(line.dropFirst("GATEWAY_WS = ".count)))"#)
            } else {
                script.append(String(line))
            }
        }
        guard hasGateway else { throw .seedScriptNotFound }
        return script.joined(separator: "\n") + "\n"
    }

    /// The first of `candidates` that can be read (the page is small: a few KiB).
    static func readPage(candidates: [String]) -> (path: String, text: String)? {
        for path in candidates {
            guard let bytes = try? DeviceIdentity.readFile(at: path) else { continue }
            return (path, String(decoding: bytes, as: UTF8.self))
        }
        return nil
    }

    /// How to get the page when it is not here.
    static let howToObtain = """
        the seed's coordinator is printed on its skill page ("Moses Coordinator" by \
        sunrisesillneversee, clawhub v1.0.2, section "Coordinator Script"); save that page as \
        text to ../shared/seed/moses-coordinator-skill-page.txt beside the checkout, or pass \
        --seed-page FILE
        """
}

extension Substring {
    fileprivate var trimmingLeadingSpaces: Substring { drop(while: { $0 == " " }) }
}
