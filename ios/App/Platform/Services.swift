import Foundation
import Qoltanba
import QoltanbaShell

/// Where the RA is and the root certificate (DER) it is trusted through.
struct RegistrationAuthority {
    let url: String
    let rootDer: Data

    /// The operator's RA from Info.plist (Config/Operator.xcconfig), or nil
    /// when the build names none.
    static func fromInfoPlist(_ bundle: Bundle = .main) -> RegistrationAuthority? {
        guard let url = bundle.object(forInfoDictionaryKey: "QoltanbaRaUrl") as? String, !url.isEmpty,
              let root = bundle.object(forInfoDictionaryKey: "QoltanbaRaRootDer") as? String,
              let der = Data(base64Encoded: root, options: .ignoreUnknownCharacters), !der.isEmpty
        else { return nil }
        return RegistrationAuthority(url: url, rootDer: der)
    }
}

/// The core and the shell's helpers, or why the app could not start.
enum Startup {
    case ready(Services)
    /// The build names no RA (an operator's setting, ios/README.md).
    case notConfigured
    /// The core refused to open (its words).
    case failed(String)

    var services: Services? {
        if case let .ready(services) = self { return services }
        return nil
    }

    /// Opens the core (database in Application Support, `ra`'s URL and root).
    static func open(_ ra: RegistrationAuthority?, root: URL? = nil) -> Startup {
        guard let ra else { return .notConfigured }
        do {
            let dirs = try AppDirectories(root: root)
            let app = try App.open(databasePath: dirs.database.path, serverUrl: ra.url, serverRootDer: ra.rootDer)
            return .ready(Services(app: app, dirs: dirs))
        } catch let error as QoltanbaError {
            // The citizen sees the core's words; the log has the code only.
            NSLog("qoltanba: the core did not open: %@", errorCode(error: error))
            return .failed(error.citizenText)
        } catch {
            return .failed(tr("error_unexpected"))
        }
    }
}

/// The app's folders in Application Support (not backed up to iCloud: key
/// files stay on this iPhone, as the keys of the keystore do).
struct AppDirectories {
    let database: URL
    /// Key files imported from NCA and renewed ones.
    let keyFiles: URL
    /// Certificates of card renewals the card itself cannot store.
    let cardCertificates: URL
    /// The core's records of keys in the Apple keystore.
    let keystore: URL

    init(root: URL? = nil) throws {
        let fm = FileManager.default
        let base = try root ?? fm.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        var qoltanba = base.appendingPathComponent("qoltanba", isDirectory: true)
        try fm.createDirectory(at: qoltanba, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try? qoltanba.setResourceValues(values)
        database = qoltanba.appendingPathComponent("qoltanba.db")
        keyFiles = qoltanba.appendingPathComponent("keys", isDirectory: true)
        cardCertificates = qoltanba.appendingPathComponent("card-certificates", isDirectory: true)
        keystore = qoltanba.appendingPathComponent("keystore", isDirectory: true)
        for dir in [keyFiles, cardCertificates, keystore] {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        }
    }
}

/// The core and the shell's helpers, one of each for the process.
final class Services {
    let app: App
    let dirs: AppDirectories
    let cards: CardGate
    let canStore = CanStore()
    /// Local reminders and shown notifications (UNUserNotificationCenter).
    let notifications: NotificationReminders
    /// APNs notices: the core checks them and they replace the local reminder
    /// of the same id; the APNs token waits in the shell's `PushTokens` until a
    /// login registers it with the RA (Settings).
    let push: PushHandler
    private let reminders: Reminders

    init(app: App, dirs: AppDirectories) {
        self.app = app
        self.dirs = dirs
        cards = CardGate()
        notifications = NotificationReminders()
        push = PushHandler(app: app, notifier: notifications.pushNotifier, tokens: PushTokens())
        reminders = Reminders(calendar: notifications, notifier: notifications)
    }

    /// The Apple keystore (the Secure Enclave for P-256) through the core.
    func keystore() throws -> PlatformKeys {
        try PlatformKeys.system(dir: dirs.keystore.path)
    }

    /// Hands the core's reminder plan to the notification center (at start,
    /// after a renewal, an import, a revocation or a change of language).
    func replanReminders() {
        notifications.syncWithSystem { [weak self] in
            guard let self else { return }
            do {
                self.reminders.replan(try self.app.reminders(now: nil))
            } catch let error as QoltanbaError {
                NSLog("qoltanba: reminders not replanned: %@", errorCode(error: error))
            } catch {
                NSLog("qoltanba: reminders not replanned")
            }
        }
    }

    /// Gives the RA this iPhone's APNs token if it does not have it yet, for
    /// notices in the core's language (the shell's `PushHandler.registerWithRa`).
    /// The device's id, or nil without a token yet.
    func registerPush(session: RaSession) async throws -> Int64? {
        try await push.registerWithRa(session: session, locale: currentLocale())
    }

    /// The certificates a signed document is checked against: the operator's
    /// DER files in the app's Trusted folder.
    func trustedCertificates() -> [Data] {
        guard let folder = Bundle.main.url(forResource: "Trusted", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [] }
        return names.sorted().filter { $0.hasSuffix(".der") || $0.hasSuffix(".cer") }.compactMap {
            try? Data(contentsOf: folder.appendingPathComponent($0))
        }
    }
}

enum CardGateError: Error {
    /// The citizen closed the NFC sheet.
    case cancelled
    /// This device reads no NFC (the simulator, an iPad).
    case nfcUnavailable
}

/// The NFC side of the ID card: hands out the next tapped card, with a reader
/// session open meanwhile; the card screens, the renewal journey and the
/// sessions below all go through it.
final class CardGate: @unchecked Sendable {
    let reader = CardReader()
    let nfc: NFCSessions
    private let lock = NSLock()
    private var cancelWaits: [UUID: () -> Void] = [:]

    init() {
        nfc = NFCSessions(reader: reader)
        nfc.onUserCancel = { [weak self] in self?.cancelAll() }
    }

    /// Suspends until a card is tapped (a session asks for it); ends with
    /// `CardGateError.cancelled` when the citizen closes the sheet, or
    /// CancellationError when the caller's task is cancelled.
    func next() async throws -> CardTransport {
        guard NFCSessions.available else { throw CardGateError.nfcUnavailable }
        let id = UUID()
        defer { forgetWait(id) }
        let once = Once<CardTransport>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CardTransport, Error>) in
                once.set(continuation)
                let wait = Task {
                    do { once.resume(.success(try await self.reader.nextCard())) } catch { once.resume(.failure(error)) }
                }
                lock.lock()
                cancelWaits[id] = {
                    wait.cancel()
                    once.resume(.failure(CardGateError.cancelled))
                }
                lock.unlock()
                nfc.begin()
            }
        } onCancel: {
            once.resume(.failure(CancellationError()))
        }
    }

    /// The next tapped card opened with `can` (PACE) and, with `pin`, the PIN
    /// verified; `block` runs on it off the main thread; the sheet closes after.
    func withSession<T>(can: String, pin: String?, _ block: @escaping (CardSession) async throws -> T) async throws -> T {
        let transport = try await next()
        do {
            let result = try await Task.detached { () -> T in
                let session = try CardSession.open(transport: transport, can: can)
                if let pin { try session.verifyPin(pin: pin) }
                return try await block(session)
            }.value
            nfc.finish(message: tr("nfc_done"))
            return result
        } catch let error as QoltanbaError {
            nfc.finish(error: error.citizenText)
            throw error
        } catch {
            nfc.finish()
            throw error
        }
    }

    private func cancelAll() {
        lock.lock()
        let waits = Array(cancelWaits.values)
        cancelWaits.removeAll()
        lock.unlock()
        waits.forEach { $0() }
    }

    private func forgetWait(_ id: UUID) {
        lock.lock()
        cancelWaits[id] = nil
        lock.unlock()
    }
}

/// A continuation resumed once, whichever of the card, the citizen's Cancel or
/// the task's cancellation comes first.
private final class Once<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?
    private var early: Result<T, Error>?
    private var done = false

    func set(_ continuation: CheckedContinuation<T, Error>) {
        lock.lock()
        if let early {
            lock.unlock()
            continuation.resume(with: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    func resume(_ result: Result<T, Error>) {
        lock.lock()
        guard !done else { lock.unlock(); return }
        done = true
        guard let continuation else {
            early = result
            lock.unlock()
            return
        }
        self.continuation = nil
        lock.unlock()
        continuation.resume(with: result)
    }
}
