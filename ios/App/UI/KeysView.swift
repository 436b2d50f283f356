import Qoltanba
import SwiftUI
import UniformTypeIdentifiers

/// The citizen's keys as the core lists them (usable first, soonest end
/// first), each with its status and exactly the actions the core allows now;
/// adding an NCA key file and reading the ID card's keys.
@MainActor
final class KeysModel: ScreenModel, CabinetListener {
    @Published private(set) var keys: [CitizenKey] = []
    /// A key file chosen to import, copied into a temporary folder, waiting for its password.
    @Published private(set) var importing: URL?
    @Published private(set) var readingCard = false
    let secrets: KeySecrets
    private var listenerId: UInt64?

    override init(services: Services) {
        secrets = KeySecrets(rememberedCan: services.canStore.remembered())
        super.init(services: services)
        forward(secrets.objectWillChange)
        listenerId = services.app.addListener(listener: self)
        Task { await refresh() }
    }

    func refresh() async {
        let app = services.app
        do {
            keys = try await offMain { try app.citizenKeys() }
        } catch {
            problem = Problem.of(error)
        }
    }

    nonisolated func changed(event: CabinetEvent) {
        Task { @MainActor in await self.refresh() }
    }

    /// A key file the system's picker gave: copied under its own name, then its password is asked.
    func picked(_ url: URL) {
        work {
            self.importing = try copyOut(url)
        }
    }

    func importKeyFile() {
        guard let file = importing else { return }
        let app = services.app
        let password = secrets.password
        let into = services.dirs.keyFiles.path
        work {
            // Opening the file runs its key derivation: slow by design.
            _ = try await self.offMain { try app.importKeyFile(path: file.path, password: password, intoDir: into) }
            self.cancelImport()
            self.services.replanReminders()
            await self.refresh()
        }
    }

    func cancelImport() {
        if let importing { try? FileManager.default.removeItem(at: importing.deletingLastPathComponent()) }
        importing = nil
        secrets.clear()
    }

    func startReadingCard() {
        readingCard = true
    }

    /// The keys on the ID card join the list (PACE, PIN, then the core reads the slots).
    func readCard() {
        let app = services.app
        let can = secrets.can
        let pin = secrets.pin
        work {
            _ = try await self.services.cards.withSession(can: can, pin: pin) { session in
                try await app.rememberCard(session: session)
            }
            self.services.rememberCanAsChosen(self.secrets)
            self.readingCard = false
            self.secrets.clear()
            self.services.replanReminders()
            await self.refresh()
        }
    }

    func cancelCard() {
        readingCard = false
        secrets.clear()
    }

    override func close() {
        if let listenerId { _ = services.app.removeListener(id: listenerId) }
        if let importing { try? FileManager.default.removeItem(at: importing.deletingLastPathComponent()) }
        super.close()
    }
}

/// Copies a picked file (security-scoped) into a fresh temporary folder, under its own name.
func copyOut(_ url: URL) throws -> URL {
    let scoped = url.startAccessingSecurityScopedResource()
    defer { if scoped { url.stopAccessingSecurityScopedResource() } }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let name = url.lastPathComponent.isEmpty ? "key.p12" : url.lastPathComponent
    let copy = dir.appendingPathComponent(name)
    try FileManager.default.copyItem(at: url, to: copy)
    return copy
}

struct KeysView: View {
    @ObservedObject var model: KeysModel
    let open: (Screen) -> Void
    let onBack: () -> Void
    @State private var picking = false

    var body: some View {
        ScreenScaffold(title: tr("keys_title"), onBack: onBack) {
            ProblemText(problem: model.problem)
            if let importing = model.importing {
                SectionTitle(tr("import_title", importing.lastPathComponent))
                Field(label: tr("key_file_password"), text: model.secrets.bind(\.password), id: Tags.password, secret: true)
                if model.busy { Busy(tr("import_busy")) }
                WideButton(tr("import_do"), id: Tags.submit, enabled: !model.busy && !model.secrets.password.isEmpty) { model.importKeyFile() }
                OutlineButton(tr("cancel"), id: Tags.cancel) { model.cancelImport() }
            } else if model.readingCard {
                SectionTitle(tr("read_card_title"))
                CanFields(secrets: model.secrets)
                Field(label: tr("card_pin"), text: model.secrets.bind(\.pin), id: Tags.pin, secret: true, keyboard: .numberPad)
                if model.busy { Busy(tr("tap_card_iphone")) }
                WideButton(tr("read_card_do"), id: Tags.submit, enabled: !model.busy && model.secrets.complete(.idCard)) { model.readCard() }
                OutlineButton(tr("cancel"), id: Tags.cancel) { model.cancelCard() }
            } else {
                if model.keys.isEmpty { Text(tr("keys_none")).font(.body) }
                ForEach(model.keys, id: \.serial) { key in
                    KeySummary(key: key)
                    ForEach(key.actions, id: \.self) { action in
                        OutlineButton(keyActionText(action: action), id: Tags.actionPrefix + actionTag(action) + "-" + key.serial) {
                            open(Screen.of(action, key: key))
                        }
                    }
                }
                WideButton(tr("import_key_file"), id: Tags.importKeyFile, enabled: !model.busy) { picking = true }
                WideButton(tr("read_card"), id: Tags.readCard, enabled: !model.busy) { model.startReadingCard() }
            }
        }
        .fileImporter(isPresented: $picking, allowedContentTypes: [.item]) { result in
            if case let .success(url) = result { model.picked(url) }
        }
        .onAppear { Task { await model.refresh() } }
    }
}

/// The identifier part of an action, as the Android app's tags (RENEW, CHANGE_PIN, …).
func actionTag(_ action: KeyAction) -> String {
    switch action {
    case .renew: return "RENEW"
    case .resumeRenewal: return "RESUME_RENEWAL"
    case .signDocument: return "SIGN_DOCUMENT"
    case .revoke: return "REVOKE"
    case .changePassword: return "CHANGE_PASSWORD"
    case .changePin: return "CHANGE_PIN"
    case .unblockPin: return "UNBLOCK_PIN"
    }
}
