import FoundationEssentials

/// The server's first frame: `{"type":"event","event":"connect.challenge","payload":{"nonce","ts"}}`.
package struct ConnectChallenge: Codable, Sendable, Equatable {
    /// The nonce the device must sign and echo.
    package var nonce: String
    /// Server time in milliseconds; v4 clients use it as `device.signedAt`.
    package var ts: Int64

    package init(nonce: String, ts: Int64) {
        self.nonce = nonce
        self.ts = ts
    }

    private struct Frame: Codable {
        var type: String
        var event: String
        var payload: ConnectChallenge
    }

    /// Decodes a `connect.challenge` event frame.
    ///
    /// - Returns: nil when the bytes are some other frame.
    package static func decode(_ bytes: UnsafeRawBufferPointer) -> ConnectChallenge? {
        guard let frame = try? JSONDecoder().decode(Frame.self, from: Data(bytes)),
              frame.type == "event", frame.event == "connect.challenge", frame.payload.ts >= 0
        else { return nil }
        return frame.payload
    }

    /// The challenge as one JSON text frame.
    package func encodedFrame() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(Frame(type: "event", event: "connect.challenge", payload: self)) else {
            preconditionFailure("encoding a string and an integer cannot fail")
        }
        return [UInt8](data)
    }
}
