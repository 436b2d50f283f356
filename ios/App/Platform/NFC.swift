import CoreNFC
import Foundation
import QoltanbaShell

/// The ID card's ISO 7816 tag as the shell's channel: `TagTransport` (the
/// core's CardTransport) sends each APDU through it and blocks the core's
/// worker thread until the completion.
final class NFCTagChannel: ISO7816Channel {
    private let tag: NFCISO7816Tag

    init(_ tag: NFCISO7816Tag) {
        self.tag = tag
    }

    func send(_ apdu: Data, completion: @escaping (Result<Data, Error>) -> Void) {
        // NFCISO7816APDU(data:) parses the whole command, short or extended length.
        guard let command = NFCISO7816APDU(data: apdu) else {
            completion(.failure(NFCChannelError.malformedCommand(length: apdu.count)))
            return
        }
        tag.sendCommand(apdu: command) { data, sw1, sw2, error in
            if let error {
                completion(.failure(error))
            } else {
                completion(.success(data + Data([sw1, sw2])))
            }
        }
    }

    /// The historical bytes of a Type A card (ATS), else a Type B card's
    /// higher-layer response: what the core reads as the ATR's identification.
    var historicalBytes: Data? { tag.historicalBytes ?? tag.applicationData }

    var isAvailable: Bool { tag.isAvailable }
}

enum NFCChannelError: Error {
    /// CoreNFC could not parse the command the core built (a bug, never the citizen's).
    case malformedCommand(length: Int)
}

/// The iPhone's NFC reader sessions for the ID card. A session is open while a
/// screen waits for the card or works with it; the system's sheet shows
/// `alertMessage` (the journey's progress line). iOS ends a session after about
/// 20 s with a tag and 60 s in all; the journey then shows "tap the card again"
/// (`tapCard(lost: true)`) and `restart()` opens a new one, so a long renewal
/// continues across sessions. Each tag found goes to the shell's `CardReader`.
final class NFCSessions: NSObject, NFCTagReaderSessionDelegate {
    private let reader: CardReader
    private let queue = DispatchQueue(label: "kz.qoltanba.nfc")
    private let lock = NSLock()
    private var session: NFCTagReaderSession?
    private var alert = ""
    /// Called when the citizen closes the system's sheet (Cancel): the waits end.
    var onUserCancel: (() -> Void)?

    init(reader: CardReader) {
        self.reader = reader
    }

    /// Whether this iPhone reads NFC tags at all (false on the simulator and
    /// on iPads).
    static var available: Bool { NFCTagReaderSession.readingAvailable }

    /// Opens a session unless one is open: the sheet asks for the card.
    func begin() {
        lock.lock()
        defer { lock.unlock() }
        guard session == nil, Self.available else { return }
        guard let session = NFCTagReaderSession(pollingOption: [.iso14443], delegate: self, queue: queue) else { return }
        alert = tr("tap_card_iphone")
        session.alertMessage = alert
        self.session = session
        session.begin()
    }

    /// The journey lost the card: poll again in the open session, or open a
    /// new one when iOS ended it (its time limit).
    func restart() {
        lock.lock()
        let open = session
        lock.unlock()
        if let open, open.isReady {
            open.alertMessage = tr("tap_card_lost")
            open.restartPolling()
        } else {
            forget(open)
            begin()
        }
    }

    /// The sheet's line: the core's progress while it works with the card.
    func show(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !message.isEmpty else { return }
        alert = message
        session?.alertMessage = message
    }

    /// Closes the sheet: with a tick and `message`, or with the error mark
    /// and `error` (the core's sentence).
    func finish(message: String? = nil, error: String? = nil) {
        lock.lock()
        let open = session
        session = nil
        lock.unlock()
        guard let open else { return }
        if let error {
            open.invalidate(errorMessage: error)
        } else {
            if let message { open.alertMessage = message }
            open.invalidate()
        }
    }

    // MARK: NFCTagReaderSessionDelegate (on `queue`)

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error) {
        forget(session)
        let code = (error as? NFCReaderError)?.code
        if code == .readerSessionInvalidationErrorUserCanceled {
            reader.clear()
            onUserCancel?()
        }
        // Time limit or tag gone: the tag's channel is no longer available, so
        // TagTransport answers TagLost and the journey asks for the card again.
    }

    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard tags.count == 1, let tag = tags.first else {
            session.alertMessage = tr("nfc_multiple")
            session.restartPolling()
            return
        }
        guard case let .iso7816(card) = tag else {
            session.alertMessage = tr("nfc_not_id_card")
            session.restartPolling()
            return
        }
        session.connect(to: tag) { [weak self] error in
            guard let self else { return }
            if error != nil {
                session.restartPolling()
                return
            }
            self.lock.lock()
            session.alertMessage = self.alert
            self.lock.unlock()
            self.reader.tagDiscovered(TagTransport(NFCTagChannel(card)))
        }
    }

    private func forget(_ ended: NFCTagReaderSession?) {
        lock.lock()
        defer { lock.unlock() }
        if let ended, session === ended { session = nil }
    }
}
