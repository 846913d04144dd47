import CLibWebsockets

/// Writes for lws's HTTP roles, shared by the metrics server and the webhook client.
package enum LWSHTTPWrite {
    /// Writes `body` as the whole remaining HTTP body in one `LWS_WRITE_HTTP_FINAL`, from a
    /// buffer with the `LWS_PRE` headroom lws needs in front (lws buffers what the socket
    /// does not take at once). Call from the service thread, in a writeable callback.
    ///
    /// - Returns: `lws_write`'s result: negative when the connection failed.
    package static func final(_ wsi: OpaquePointer, body: [UInt8]) -> Int32 {
        let pre = clws_pre()
        var buffer = [UInt8](repeating: 0, count: pre + body.count)
        buffer.replaceSubrange(pre..<(pre + body.count), with: body)
        return buffer.withUnsafeMutableBufferPointer { raw in
            lws_write(wsi, raw.baseAddress! + pre, body.count, LWS_WRITE_HTTP_FINAL)
        }
    }
}
