import Foundation
import Qoltanba
import QoltanbaShell

/// Where the new keys of a key-file renewal go: key files again, or the iPhone's keystore.
enum NewKeysHome { case files, keystore }

/// The renewal of one key: the citizen picks it (or a deep link names it),
/// gives what opens it and what the application needs, then the shell's
/// RenewalJourney drives the core: the review, the code, the card taps, the
/// unlock, the result. The journey lives as long as this screen. For a card,
/// the NFC sheet follows the journey: its line is the core's progress, a lost
/// card opens a new session, the end closes it.
@MainActor
final class RenewModel: ScreenModel {
    private(set) var journey: RenewalJourney!
    @Published private(set) var screen: JourneyScreen = .idle
    /// The keys the core lets renew (or resume), when none was named.
    @Published private(set) var candidates: [CitizenKey] = []
    @Published private(set) var key: CitizenKey?
    /// Whether the journey's screens show (after start, until `startOver`).
    @Published private(set) var journeyShown = false

    let secrets: KeySecrets
    @Published var newPassword = ""
    @Published var newPasswordAgain = ""
    @Published var email = ""
    @Published var locality = ""
    @Published var home = NewKeysHome.files
    private let serial: String?
    private var canConsentPending = false

    init(services: Services, serial: String?) {
        self.serial = serial
        secrets = KeySecrets(rememberedCan: services.canStore.remembered())
        super.init(services: services)
        forward(secrets.objectWillChange)
        let gate = services.cards
        // onScreen comes on the journey's own serial queue: hop to the main
        // actor through the main queue, which keeps the screens in order (a
        // Task per screen would not promise that).
        journey = RenewalJourney(app: services.app, cards: { try await gate.next() }, onScreen: { [weak self] state in
            DispatchQueue.main.async {
                MainActor.assumeIsolated { self?.show(state) }
            }
        })
        Task { await load() }
    }

    private func load() async {
        let app = services.app
        do {
            let keys = try await offMain { try app.citizenKeys() }
            candidates = keys.filter { $0.actions.contains(.renew) || $0.actions.contains(.resumeRenewal) }
            key = serial.flatMap { s in keys.first { $0.serial == s } }
            if serial != nil, key == nil { problem = .app(key: "renew_key_unknown") }
        } catch {
            problem = Problem.of(error)
        }
    }

    func pick(_ chosen: CitizenKey) {
        key = chosen
    }

    /// A renewal of this key is under way: the citizen continues it.
    var resuming: Int64? {
        if case let .renewing(renewalId, _)? = key?.status { return renewalId }
        return nil
    }

    /// Whether the form has what the start needs.
    var ready: Bool {
        guard let key else { return false }
        return secrets.complete(key.storage)
            && (key.storage != .file || home == .keystore || !newPassword.isEmpty)
            && (resuming != nil || (!email.trimmingCharacters(in: .whitespaces).isEmpty && !locality.trimmingCharacters(in: .whitespaces).isEmpty))
    }

    func start() {
        guard let key else { return }
        if key.storage == .file, home == .files, newPassword != newPasswordAgain {
            problem = .app(key: "passwords_differ")
            return
        }
        problem = nil
        if let renewalId = resuming {
            showJourney(key)
            do { try resume(key, renewalId) } catch { journeyShown = false; problem = Problem.of(error) }
            return
        }
        let app = services.app
        Task {
            do {
                let together = try await offMain { try app.renewalSet(serial: key.serial) }
                showJourney(key)
                try begin(key, together)
            } catch {
                journeyShown = false
                problem = Problem.of(error)
            }
        }
    }

    private func showJourney(_ key: CitizenKey) {
        canConsentPending = key.storage == .idCard
        journeyShown = true
    }

    private func begin(_ key: CitizenKey, _ together: [CitizenKey]) throws {
        let email = email.trimmingCharacters(in: .whitespaces)
        let locality = locality.trimmingCharacters(in: .whitespaces)
        switch key.storage {
        case .file:
            let files = together.map { Self.path(ofLocation: $0.location) }
            if home == .files {
                journey.startWithKeyFiles(KeyFileRenewal(
                    keyFiles: files, password: secrets.password, newPassword: newPassword,
                    email: email, locality: locality, newKeysDir: services.dirs.keyFiles.path
                ))
            } else {
                journey.startIntoKeystore(try services.keystore(), KeystoreRenewal(
                    currentKeys: files, password: secrets.password, email: email, locality: locality
                ))
            }
        case .idCard:
            journey.startWithCard(
                CardRenewal(email: email, locality: locality, certificatesDir: services.dirs.cardCertificates.path),
                can: secrets.can, pin: secrets.pin
            )
        case .platformKeystore:
            journey.startIntoKeystore(try services.keystore(), KeystoreRenewal(
                currentKeys: together.map(\.location), password: nil, email: email, locality: locality
            ))
        case .token:
            journeyShown = false
            problem = .app(key: "token_not_on_phone")
        }
    }

    /// Continues renewal `renewalId` with the secrets given again (the core never stores them).
    private func resume(_ key: CitizenKey, _ renewalId: Int64) throws {
        switch key.storage {
        case .file:
            switch home {
            case .files: journey.resume(renewalId: renewalId, keys: .keyFiles(password: secrets.password, newPassword: newPassword))
            case .keystore: journey.resume(renewalId: renewalId, keys: .keystore(try services.keystore(), password: secrets.password))
            }
        case .idCard:
            journey.resume(renewalId: renewalId, keys: .card(can: secrets.can, pin: secrets.pin))
        case .platformKeystore:
            journey.resume(renewalId: renewalId, keys: .keystore(try services.keystore(), password: secrets.password.isEmpty ? nil : secrets.password))
        case .token:
            journeyShown = false
            problem = .app(key: "token_not_on_phone")
        }
    }

    /// The journey's state: the screen, the NFC sheet, the CAN kept once the
    /// card accepted it (only with consent), the reminders after a renewal.
    func show(_ state: JourneyScreen) {
        screen = state
        let nfc = services.cards.nfc
        switch state {
        case let .working(_, text): nfc.show(text)
        case .tapCard(lost: true): nfc.restart()
        case .done: nfc.finish(message: tr("nfc_done"))
        case let .failed(message, _, _): nfc.finish(error: message)
        case .declined: nfc.finish()
        default: break
        }
        switch state {
        case .review, .code, .done:
            if canConsentPending {
                canConsentPending = false
                services.rememberCanAsChosen(secrets)
            }
        default: break
        }
        if case .done = state {
            secrets.clear()
            newPassword = ""
            newPasswordAgain = ""
            services.replanReminders()
        }
    }

    /// After a failure the same call cannot mend (a wrong PIN, password or
    /// CAN): the form again, with the key as the core sees it now.
    func startOver() {
        journeyShown = false
        let serial = key?.serial
        let app = services.app
        Task {
            await load()
            if let serial, let keys = try? await offMain({ try app.citizenKeys() }) {
                key = keys.first { $0.serial == serial }
            }
        }
    }

    override func close() {
        journey.cancel()
        services.cards.nfc.finish()
        super.close()
    }

    /// The core's location of a key file is file:<path>.
    static func path(ofLocation location: String) -> String {
        location.hasPrefix("file:") ? String(location.dropFirst("file:".count)) : location
    }
}
