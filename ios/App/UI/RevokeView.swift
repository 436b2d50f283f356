import Qoltanba
import SwiftUI

/// Revoking a certificate: the key (one the core lets revoke), the reason (the
/// reasons the core offers), the AUTH key that logs in and signs the request.
/// For a key file whose password is lost, the core's advice: which other key
/// can revoke it, or the service centre.
@MainActor
final class RevokeModel: ScreenModel {
    @Published private(set) var keys: [CitizenKey] = []
    @Published var key: CitizenKey?
    let reasons: [RevocationReason]
    @Published var reason: RevocationReason?
    @Published var signer: CitizenKey?
    let secrets: KeySecrets
    @Published private(set) var lostPassword: LostPassword?
    /// When the RA recorded the revocation (RFC 3339, the RA's words for the time).
    @Published private(set) var revokedAt: String?

    init(services: Services, serial: String?) {
        reasons = services.app.revocationReasons()
        secrets = KeySecrets(rememberedCan: services.canStore.remembered())
        super.init(services: services)
        forward(secrets.objectWillChange)
        let app = services.app
        Task {
            do {
                keys = try await offMain { try app.citizenKeys() }
                key = serial.flatMap { s in keys.first { $0.serial == s && $0.actions.contains(.revoke) } }
            } catch {
                problem = Problem.of(error)
            }
        }
    }

    var revocable: [CitizenKey] { keys.filter { $0.actions.contains(.revoke) } }

    /// The AUTH keys that can sign the request: the lost-password advice's when it was asked, else any that can log in.
    var signers: [CitizenKey] { lostPassword?.canRevokeWith ?? keys.filter(\.canLogIn) }

    func askLostPassword() {
        guard let key else { return }
        let app = services.app
        work {
            self.lostPassword = try await self.offMain { try app.lostPassword(serial: key.serial) }
            self.signer = nil
        }
    }

    func revoke() {
        guard let key, let reason, let signer else { return }
        let app = services.app
        work {
            self.revokedAt = try await self.services.withKey(signer, self.secrets) { keys in
                let session = try await app.logIn(location: signer.location, keys: keys)
                return try await app.revoke(session: session, serial: key.serial, reason: reason, signerLocation: signer.location, keys: keys)
            }
            self.secrets.clear()
            self.services.replanReminders()
        }
    }
}

struct RevokeView: View {
    @ObservedObject var model: RevokeModel
    let onBack: () -> Void

    var body: some View {
        ScreenScaffold(title: tr("revoke_title"), onBack: onBack) {
            ProblemText(problem: model.problem)
            if let revokedAt = model.revokedAt {
                Text(tr("revoke_done", revokedAt)).font(.body)
                WideButton(tr("back"), id: Tags.done, action: onBack)
            } else if model.needsUnlock {
                UnlockView { model.unlocked() }
            } else if let key = model.key {
                form(key)
            } else {
                KeyPicker(keys: model.revocable, title: tr("revoke_pick")) { model.key = $0 }
            }
        }
    }

    @ViewBuilder
    private func form(_ key: CitizenKey) -> some View {
        KeySummary(key: key)
        Text(tr("revoke_warning")).font(.body).foregroundColor(.red)
        SectionTitle(tr("revoke_reason"))
        ForEach(model.reasons, id: \.self) { reason in
            RadioRow(selected: model.reason == reason, label: revocationReasonText(reason: reason),
                     id: Tags.reasonPrefix + "\(reason)") { model.reason = reason }
        }
        if let advice = model.lostPassword {
            Text(tr("lost_password_not_recoverable")).font(.body)
            if advice.visitServiceCentre { Text(tr("lost_password_service_centre")).font(.body) }
        } else if key.storage == .file {
            OutlineButton(tr("lost_password_ask")) { model.askLostPassword() }
        }
        if let signer = model.signer {
            SectionTitle(tr("revoke_signer"))
            KeySummary(key: signer)
            KeySecretsForm(storage: signer.storage, secrets: model.secrets)
            if model.busy { Busy(tr("revoke_busy")) }
            WideButton(tr("revoke_do"), id: Tags.submit,
                       enabled: !model.busy && model.reason != nil && model.secrets.complete(signer.storage)) { model.revoke() }
        } else {
            KeyPicker(keys: model.signers, title: tr("revoke_signer")) { model.signer = $0 }
        }
    }
}
