import TestSupport

/// A store file in a fresh temporary directory and a loopback webhook answering
/// `webhookStatus`: where each webhook delivery test starts. `stop()` it when the test ends
/// (the receiver's thread); the directory goes with the fixture.
final class StoreAndWebhook {
    let directory = TemporaryDirectory()
    let path: String
    let receiver: LoopbackHTTPReceiver

    init(webhookStatus: Int) {
        path = directory.file("store.db")
        receiver = LoopbackHTTPReceiver(status: webhookStatus)
    }

    func stop() {
        receiver.stop()
    }
}
