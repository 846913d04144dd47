/// Log metadata keys of the simulator's own (the gateway's are `GatewayLogKey`).
enum SimulatorLogKey {
    static let port = "simulator.port"
}
