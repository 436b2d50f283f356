import Qoltanba
import SwiftUI
import UIKit

/// Settings: the language (kk, ru, en or the system's), this iPhone's
/// notifications, and the RA's notices (the profile: contact e-mail,
/// e-mail/SMS/push), after logging in; logging in also registers this
/// iPhone's APNs token for the RA's pushes.
@MainActor
final class SettingsModel: ScreenModel {
    let login: RaLogin
    @Published private(set) var keys: [CitizenKey] = []
    @Published private(set) var profile: Profile?
    @Published var contactEmail = ""
    @Published var email = true
    @Published var sms = true
    @Published var push = true
    @Published private(set) var pushRegistered = false
    @Published private(set) var savedProfile = false
    @Published private(set) var notificationsAllowed = false

    override init(services: Services) {
        login = RaLogin(services: services)
        super.init(services: services)
        forward(login.objectWillChange)
        forward(login.secrets.objectWillChange)
        let app = services.app
        Task { keys = (try? await offMain { try app.citizenKeys() }) ?? [] }
        refreshNotifications()
    }

    func logIn() {
        work {
            try await self.login.logIn(self.services)
            guard let session = self.login.session else { return }
            self.show(try await self.services.app.profile(session: session))
            // The token APNs gave (nil on a device without one yet).
            self.pushRegistered = try await self.services.registerPush(session: session) != nil
        }
    }

    func save() {
        guard let session = login.session else { return }
        let contact = contactEmail.trimmingCharacters(in: .whitespaces)
        let preferences = NotificationPreferences(email: email, sms: sms, push: push)
        work {
            self.show(try await self.services.app.setProfile(session: session, contactEmail: contact.isEmpty ? nil : contact,
                                                             notifications: preferences))
            self.savedProfile = true
        }
    }

    func choose(language tag: String?) {
        AppLanguage.shared.choose(tag)
        // Scheduled reminders carry their words: plan them again in the new
        // language (the same ids, so nothing shows twice).
        services.replanReminders()
    }

    func refreshNotifications() {
        services.notifications.allowed { [weak self] in self?.notificationsAllowed = $0 }
    }

    func allowNotifications() {
        services.notifications.requestPermission { [weak self] granted in
            self?.notificationsAllowed = granted
            if granted { self?.services.replanReminders() }
        }
    }

    private func show(_ profile: Profile) {
        self.profile = profile
        contactEmail = profile.contactEmail ?? ""
        email = profile.notifications.email
        sms = profile.notifications.sms
        push = profile.notifications.push
    }

    override func close() {
        login.close()
        super.close()
    }
}

struct SettingsView: View {
    @ObservedObject var model: SettingsModel
    let onBack: () -> Void

    var body: some View {
        ScreenScaffold(title: tr("settings_title"), onBack: onBack) {
            ProblemText(problem: model.problem)
            languageSection
            notificationsSection
            SectionTitle(tr("settings_notices"))
            if model.needsUnlock {
                UnlockView { model.unlocked() }
            } else if let profile = model.profile {
                if let to = profile.smsTo { Text(tr("settings_sms_to", to)).font(.callout) }
                if let to = profile.noticesEmail { Text(tr("settings_notices_email", to)).font(.callout) }
                if model.pushRegistered { Text(tr("settings_push_registered")).font(.callout) }
                Field(label: tr("settings_contact_email"), text: $model.contactEmail, id: Tags.contactEmail, keyboard: .emailAddress)
                CheckRow(on: $model.email, label: tr("settings_channel_email"), id: Tags.channelEmail)
                CheckRow(on: $model.sms, label: tr("settings_channel_sms"), id: Tags.channelSms)
                CheckRow(on: $model.push, label: tr("settings_channel_push"), id: Tags.channelPush)
                if model.savedProfile { Text(tr("settings_saved")).font(.callout) }
                WideButton(tr("settings_save"), id: Tags.save, enabled: !model.busy) { model.save() }
            } else {
                Text(tr("settings_notices_intro")).font(.callout)
                LoginForm(login: model.login, keys: model.keys, busy: model.busy) { model.logIn() }
            }
        }
        .onReceive(NotificationCenter.default.publisher(for: UIApplication.willEnterForegroundNotification)) { _ in
            model.refreshNotifications()
        }
    }

    @ViewBuilder
    private var languageSection: some View {
        SectionTitle(tr("settings_language"))
        let chosen = AppLanguage.shared.chosen
        RadioRow(selected: chosen == nil, label: tr("language_system"), id: Tags.languagePrefix + "system") { model.choose(language: nil) }
        ForEach(AppLanguage.shared.offered, id: \.self) { tag in
            RadioRow(selected: chosen == tag, label: languageName(tag), id: Tags.languagePrefix + tag) { model.choose(language: tag) }
        }
    }

    @ViewBuilder
    private var notificationsSection: some View {
        SectionTitle(tr("settings_notifications"))
        Text(tr(model.notificationsAllowed ? "notifications_on" : "notifications_off")).font(.body)
        if !model.notificationsAllowed {
            WideButton(tr("notifications_allow"), id: Tags.notificationsPermission) { model.allowNotifications() }
        }
        OutlineButton(tr("notifications_settings"), id: Tags.notificationSettings) {
            if let url = URL(string: UIApplication.openSettingsURLString) { UIApplication.shared.open(url) }
        }
    }
}

/// A language's name in that language (the same in every table).
private func languageName(_ tag: String) -> String {
    switch tag {
    case "kk": return tr("language_kk")
    case "ru": return tr("language_ru")
    case "en": return tr("language_en")
    default: return tag
    }
}
