import Qoltanba
import SwiftUI

/// A key file's password, the ID card's PIN and its unblocking with the PUK:
/// offered for a key only when the core lists the action on it. The rules for
/// a new password or PIN are the core's (its error says what is wrong).
@MainActor
final class CredentialsModel: ScreenModel {
    /// The actions of this screen, as the core names them on a key.
    static let secretActions: [KeyAction] = [.changePassword, .changePin, .unblockPin]

    @Published private(set) var keys: [CitizenKey] = []
    @Published var key: CitizenKey?
    @Published var action: KeyAction?
    let secrets: KeySecrets
    @Published var old = ""
    @Published var new = ""
    @Published var again = ""
    @Published private(set) var done = false

    init(services: Services, serial: String?, action: KeyAction?) {
        self.action = action
        secrets = KeySecrets(rememberedCan: services.canStore.remembered())
        super.init(services: services)
        forward(secrets.objectWillChange)
        let app = services.app
        Task {
            do {
                keys = try await offMain { try app.citizenKeys() }
                key = serial.flatMap { s in keys.first { $0.serial == s } }
            } catch {
                problem = Problem.of(error)
            }
        }
    }

    var eligible: [CitizenKey] { keys.filter { $0.actions.contains(where: Self.secretActions.contains) } }

    var ready: Bool {
        !old.isEmpty && !new.isEmpty && (action == .changePassword || !secrets.can.isEmpty)
    }

    func submit() {
        guard let key, let action else { return }
        guard new == again else {
            problem = .app(key: action == .changePassword ? "passwords_differ" : "pins_differ")
            return
        }
        let (old, new, can) = (old, new, secrets.can)
        work {
            switch action {
            case .changePassword:
                let path = RenewModel.path(ofLocation: key.location)
                try await self.offMain { try KeyFiles().changePassword(path: path, oldPassword: old, newPassword: new) }
            case .changePin:
                try await self.services.cards.withSession(can: can, pin: nil) { try $0.changePin(oldPin: old, newPin: new) }
                self.services.rememberCanAsChosen(self.secrets)
            case .unblockPin:
                try await self.services.cards.withSession(can: can, pin: nil) { try $0.unblockPin(puk: old, newPin: new) }
                self.services.rememberCanAsChosen(self.secrets)
            default:
                return
            }
            self.old = ""
            self.new = ""
            self.again = ""
            self.done = true
        }
    }
}

struct CredentialsView: View {
    @ObservedObject var model: CredentialsModel
    let onBack: () -> Void

    var body: some View {
        ScreenScaffold(title: tr("credentials_title"), onBack: onBack) {
            ProblemText(problem: model.problem)
            if model.done {
                Text(tr("credentials_done")).font(.body)
                WideButton(tr("back"), id: Tags.done, action: onBack)
            } else if let key = model.key {
                KeySummary(key: key)
                if let chosen = model.action, key.actions.contains(chosen) {
                    form(chosen)
                } else {
                    ForEach(key.actions.filter(CredentialsModel.secretActions.contains), id: \.self) { action in
                        OutlineButton(keyActionText(action: action), id: Tags.actionPrefix + actionTag(action) + "-" + key.serial) {
                            model.action = action
                        }
                    }
                }
            } else {
                KeyPicker(keys: model.eligible, title: tr("credentials_pick")) { model.key = $0 }
            }
        }
    }

    @ViewBuilder
    private func form(_ chosen: KeyAction) -> some View {
        SectionTitle(keyActionText(action: chosen))
        switch chosen {
        case .changePassword:
            Field(label: tr("key_file_password"), text: $model.old, id: Tags.password, secret: true)
            Field(label: tr("new_password"), text: $model.new, id: Tags.newPassword, secret: true)
            Field(label: tr("new_password_again"), text: $model.again, id: Tags.newPasswordAgain, secret: true)
        case .changePin:
            CanFields(secrets: model.secrets)
            Field(label: tr("card_pin"), text: $model.old, id: Tags.pin, secret: true, keyboard: .numberPad)
            Field(label: tr("new_pin"), text: $model.new, id: Tags.newPin, secret: true, keyboard: .numberPad)
            Field(label: tr("new_pin_again"), text: $model.again, id: Tags.newPinAgain, secret: true, keyboard: .numberPad)
        default:
            CanFields(secrets: model.secrets)
            Field(label: tr("card_puk"), text: $model.old, id: Tags.puk, secret: true, keyboard: .numberPad)
            Field(label: tr("new_pin"), text: $model.new, id: Tags.newPin, secret: true, keyboard: .numberPad)
            Field(label: tr("new_pin_again"), text: $model.again, id: Tags.newPinAgain, secret: true, keyboard: .numberPad)
        }
        if model.busy { Busy(tr(chosen == .changePassword ? "busy" : "tap_card_iphone")) }
        WideButton(tr("credentials_do"), id: Tags.submit, enabled: !model.busy && model.ready) { model.submit() }
    }
}
