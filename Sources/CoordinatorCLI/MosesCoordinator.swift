import ArgumentParser
import Daemon

/// The `moses-coordinator` command: a governance monitor for multi-agent OpenClaw deployments.
@main
struct MosesCoordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moses-coordinator",
        abstract: "Watch multi-agent OpenClaw conversations and record every breach of MO§ES governance.",
        version: CoordinatorVersion.current,
        subcommands: [Run.self, Demo.self, Simulate.self, Replay.self, Query.self, Export.self, Verify.self, CheckConfig.self, Bench.self]
    )

    /// The entry point: logging is bootstrapped before anything can make a `Logger`.
    static func main() async {
        CoordinatorLogging.bootstrap()
        await main(nil)
    }
}
