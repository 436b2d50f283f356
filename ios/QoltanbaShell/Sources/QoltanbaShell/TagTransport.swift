import Foundation
import Qoltanba

/// An ISO 7816 tag as the shell sees it: CoreNFC is not on Linux, so the
/// transport's logic works on this protocol, which the app's wrapper of
/// `NFCISO7816Tag` conforms to (`send` is `sendCommand(apdu:)` with the APDU
/// parsed into `NFCISO7816APDU` and the answer's data and SW1 SW2 joined;
/// `isAvailable` is the tag's; `historicalBytes` the tag's, or its
/// `applicationData` for an NFC-B card).
///
/// The wrapper reports a tag that left the field (CoreNFC's
/// `readerTransceiveErrorTagConnectionLost`, or the reader session ended,
/// e.g. by its 20-second limit) either as `TransportFailure.TagLost` or by
/// `isAvailable` turning false.
public protocol ISO7816Channel: AnyObject {
    /// Sends one command APDU; `completion` gets the whole answer (data and
    /// status word) or the failure, on any thread.
    func send(_ apdu: Data, completion: @escaping (Result<Data, Error>) -> Void)
    /// The card's historical bytes (NFC-A) or application data (NFC-B).
    var historicalBytes: Data? { get }
    /// Whether the tag is still in the field and connected.
    var isAvailable: Bool { get }
}

/// The ID card over NFC as the core's `CardTransport`: the core speaks APDUs,
/// PACE and secure messaging; this class only moves their bytes through the
/// channel.
///
/// The core calls `transmit` on its worker threads; each call blocks that
/// thread until the channel's completion, at most `timeout` seconds (on-card
/// RSA key generation and signing take seconds; 25 s leaves room without
/// leaving a citizen waiting on a dead tag for long).
///
/// Failures become the core's `TransportFailure`: a tag gone (the channel
/// unavailable, before or after the command, or its failure a `TagLost`) is
/// `.TagLost` (a renewal then waits for the next tap and resumes); no answer
/// within the timeout is `.Timeout`; anything else is `.Other` with a detail
/// naming the failure's type and code, the command's length and the time,
/// never the command's or the answer's bytes (they can carry a PIN or CAN
/// under secure messaging).
public final class TagTransport: CardTransport, @unchecked Sendable {
    private let channel: ISO7816Channel
    private let timeout: TimeInterval

    /// - Parameters:
    ///   - channel: the tag (the app's `NFCISO7816Tag` wrapper).
    ///   - timeout: how long one command may take, in seconds.
    public init(_ channel: ISO7816Channel, timeout: TimeInterval = 25) {
        self.channel = channel
        self.timeout = timeout
    }

    /// Sends one command APDU and returns the card's whole answer.
    public func transmit(command: Data) throws -> Data {
        guard channel.isAvailable else { throw TransportFailure.TagLost }
        let answer = Answer()
        let started = Date()
        channel.send(command) { answer.set($0) }
        guard let result = answer.wait(timeout: timeout) else {
            if !channel.isAvailable { throw TransportFailure.TagLost }
            throw TransportFailure.Timeout
        }
        switch result {
        case .success(let data):
            return data
        case .failure(let failure as TransportFailure):
            throw failure
        case .failure(let error):
            if !channel.isAvailable { throw TransportFailure.TagLost }
            let elapsed = Int(Date().timeIntervalSince(started) * 1000)
            let nsError = error as NSError
            throw TransportFailure.Other(detail: "NFC failed on a command of \(command.count) bytes after \(elapsed) ms "
                + "(timeout \(Int(timeout * 1000)) ms): \(type(of: error)) \(nsError.domain) \(nsError.code)")
        }
    }

    /// The card's answer to its selection as NFC gives it, which tells the
    /// core the card profile; nil when the platform has none.
    public func atr() -> Data? { channel.historicalBytes }

    /// One command's answer, set once by the completion (a late one, after
    /// the timeout, is dropped).
    private final class Answer: @unchecked Sendable {
        private let lock = NSLock()
        private let done = DispatchSemaphore(value: 0)
        private var result: Result<Data, Error>?

        func set(_ result: Result<Data, Error>) {
            lock.lock()
            let first = self.result == nil
            if first { self.result = result }
            lock.unlock()
            if first { done.signal() }
        }

        func wait(timeout: TimeInterval) -> Result<Data, Error>? {
            guard done.wait(timeout: .now() + timeout) == .success else { return nil }
            lock.lock()
            defer { lock.unlock() }
            return result
        }
    }
}
