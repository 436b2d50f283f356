import Qoltanba
import SwiftUI

/// What opens a key, by where it lives: a key file's password; the ID card's
/// CAN and PIN; nothing for the Apple keystore (the system asks for Face ID,
/// Touch ID or the passcode when the key signs). Nothing here is stored: the
/// CAN only with the citizen's consent, in the keychain (CanStore).
@MainActor
final class KeySecrets: ObservableObject {
    @Published var password = ""
    @Published var can: String
    @Published var rememberCan: Bool
    @Published var pin = ""

    init(rememberedCan: String?) {
        can = rememberedCan ?? ""
        rememberCan = rememberedCan != nil
    }

    /// Whether what `storage` needs has been typed.
    func complete(_ storage: KeyStorage) -> Bool {
        switch storage {
        case .file: return !password.isEmpty
        case .idCard: return !can.isEmpty && !pin.isEmpty
        case .platformKeystore: return true
        case .token: return false
        }
    }

    /// A field's binding, for screens that hold the secrets in their model.
    func bind(_ field: ReferenceWritableKeyPath<KeySecrets, String>) -> Binding<String> {
        Binding(get: { self[keyPath: field] }, set: { self[keyPath: field] = $0 })
    }

    /// Forgets what was typed (the CAN stays if remembered).
    func clear() {
        password = ""
        pin = ""
    }
}

/// The CAN with the guidance on where it is printed and the consent to remember it.
struct CanFields: View {
    @ObservedObject var secrets: KeySecrets

    var body: some View {
        Field(label: tr("card_can"), text: $secrets.can, id: Tags.can, secret: true, keyboard: .numberPad)
        Text(tr("card_can_where")).font(.callout)
        CheckRow(on: $secrets.rememberCan, label: tr("card_can_remember"), id: Tags.rememberCan)
    }
}

/// The fields `storage` needs; USB tokens are for the desktop.
struct KeySecretsForm: View {
    let storage: KeyStorage
    @ObservedObject var secrets: KeySecrets

    var body: some View {
        switch storage {
        case .file:
            Field(label: tr("key_file_password"), text: $secrets.password, id: Tags.password, secret: true)
        case .idCard:
            CanFields(secrets: secrets)
            Field(label: tr("card_pin"), text: $secrets.pin, id: Tags.pin, secret: true, keyboard: .numberPad)
        case .platformKeystore:
            Text(tr("keystore_no_secret")).font(.callout)
        case .token:
            Text(tr("token_not_on_phone")).font(.body)
        }
    }
}

enum KeyAccessError: Error {
    /// A USB token: used on a computer, not on a phone.
    case tokenNotOnPhone
}

extension Services {
    /// Runs `block` with `key` opened by `secrets`: a key file by its
    /// password; the ID card on the next tap (PACE with the CAN, the PIN
    /// verified; the CAN remembered or forgotten as the citizen chose); the
    /// Apple keystore.
    @MainActor
    func withKey<T>(_ key: CitizenKey, _ secrets: KeySecrets, _ block: @escaping (KeySource) async throws -> T) async throws -> T {
        switch key.storage {
        case .file:
            return try await block(.keyFiles(password: secrets.password, newPassword: ""))
        case .idCard:
            let remember = secrets.rememberCan ? secrets.can : nil
            return try await cards.withSession(can: secrets.can, pin: secrets.pin) { [canStore] session in
                if let remember { canStore.remember(remember) } else { canStore.forget() }
                return try await block(.card(session: session))
            }
        case .platformKeystore:
            return try await block(.keystore(keystore: try keystore(), password: nil))
        case .token:
            throw KeyAccessError.tokenNotOnPhone
        }
    }

    /// After the card accepted the CAN: kept only with consent.
    @MainActor
    func rememberCanAsChosen(_ secrets: KeySecrets) {
        if secrets.rememberCan { canStore.remember(secrets.can) } else { canStore.forget() }
    }
}

extension CitizenKey {
    /// An AUTH key the core still lets act (its actions list is not empty): one that can log in to the RA.
    var canLogIn: Bool {
        (purpose == .auth || purpose == .both) && !actions.isEmpty
    }
}

/// Logging in to the RA with one of the citizen's AUTH keys: which key, what
/// opens it, and the session once logged in (closed with the screen).
@MainActor
final class RaLogin: ObservableObject {
    @Published var key: CitizenKey?
    let secrets: KeySecrets
    @Published private(set) var session: RaSession?

    init(services: Services) {
        secrets = KeySecrets(rememberedCan: services.canStore.remembered())
    }

    /// Logs in with `key` (a card: on the next tap).
    func logIn(_ services: Services) async throws {
        guard let key else { return }
        let opened = try await services.withKey(key, secrets) { keys in
            try await services.app.logIn(location: key.location, keys: keys)
        }
        secrets.clear()
        session = opened
    }

    func close() {
        session = nil
    }
}

/// Pick the AUTH key, give what opens it, log in.
struct LoginForm: View {
    @ObservedObject var login: RaLogin
    let keys: [CitizenKey]
    let busy: Bool
    let onLogIn: () -> Void

    var body: some View {
        if let chosen = login.key {
            KeySummary(key: chosen)
            KeySecretsForm(storage: chosen.storage, secrets: login.secrets)
            if busy { Busy(tr("login_busy")) }
            WideButton(tr("login_do"), id: Tags.logIn, enabled: !busy && login.secrets.complete(chosen.storage), action: onLogIn)
        } else {
            Text(tr("login_intro")).font(.body)
            KeyPicker(keys: keys.filter(\.canLogIn), title: tr("login_pick")) { login.key = $0 }
        }
    }
}
