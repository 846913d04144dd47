/// The version shown by `--version` and sent as `client.version` to the gateway.
package enum CoordinatorVersion {
    package static let current = "0.1.0"
}
