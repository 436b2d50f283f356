import Qoltanba
import SwiftUI

/// The app: the screen on top of the navigator's stack with its model; or,
/// when the core did not open, why. Drawn again when the language changes.
struct RootView: View {
    let startup: Startup
    @ObservedObject var navigator: Navigator
    @ObservedObject var language: AppLanguage

    var body: some View {
        NavigationView {
            Group {
                switch startup {
                case let .ready(services):
                    let entry = navigator.current
                    ScreenOf(entry: entry, services: services, navigator: navigator).id(entry.id)
                case .notConfigured:
                    ScreenScaffold(title: "qoltanba", onBack: nil) { Text(tr("not_configured")).font(.body) }
                case let .failed(message):
                    ScreenScaffold(title: "qoltanba", onBack: nil) { Text(message).font(.body).foregroundColor(.red) }
                }
            }
        }
        .navigationViewStyle(.stack)
        .environment(\.locale, language.locale)
        .id(language.tag)
    }
}

/// One screen per place, each with the entry's model.
private struct ScreenOf: View {
    let entry: Entry
    let services: Services
    let navigator: Navigator

    var body: some View {
        let back = { navigator.back() }
        switch entry.screen {
        case .menu:
            MenuView(model: entry.model { MenuModel(services: services) }, open: navigator.open)
        case .keys:
            KeysView(model: entry.model { KeysModel(services: services) }, open: navigator.open, onBack: back)
        case let .renew(serial):
            RenewView(model: entry.model { RenewModel(services: services, serial: serial) }, onBack: back,
                      onFinished: { navigator.openFromMenu(.keys) })
        case .applications:
            ApplicationsView(model: entry.model { ApplicationsModel(services: services) }, open: navigator.open, onBack: back)
        case let .revoke(serial):
            RevokeView(model: entry.model { RevokeModel(services: services, serial: serial) }, onBack: back)
        case let .credentials(serial, action):
            CredentialsView(model: entry.model { CredentialsModel(services: services, serial: serial, action: action) }, onBack: back)
        case let .documents(serial):
            DocumentsView(model: entry.model { DocumentsModel(services: services, serial: serial) }, onBack: back)
        case .settings:
            SettingsView(model: entry.model { SettingsModel(services: services) }, onBack: back)
        }
    }
}
