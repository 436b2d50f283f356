import Qoltanba
import SwiftUI
import UniformTypeIdentifiers

/// A document the system's picker gave: its bytes and name.
struct PickedDocument {
    let name: String
    let bytes: Data
}

/// Signing a document (CMS, the content attached or detached) with a key the
/// core lets sign, and checking a signed one against the operator's trusted
/// certificates. Files come from and go to the system's pickers.
@MainActor
final class DocumentsModel: ScreenModel {
    @Published private(set) var keys: [CitizenKey] = []
    @Published var key: CitizenKey?
    let secrets: KeySecrets
    @Published private(set) var document: PickedDocument?
    @Published var detached = false
    /// The signature made, waiting to be saved.
    @Published private(set) var signature: Data?
    @Published private(set) var saved = false
    @Published private(set) var signed: PickedDocument?
    @Published private(set) var check: DocumentCheck?

    init(services: Services, serial: String?) {
        secrets = KeySecrets(rememberedCan: services.canStore.remembered())
        super.init(services: services)
        forward(secrets.objectWillChange)
        let app = services.app
        Task {
            do {
                keys = try await offMain { try app.citizenKeys() }
                key = serial.flatMap { s in keys.first { $0.serial == s && $0.actions.contains(.signDocument) } }
            } catch {
                problem = Problem.of(error)
            }
        }
    }

    var signers: [CitizenKey] { keys.filter { $0.actions.contains(.signDocument) } }

    func pickDocument(_ url: URL) { work { self.document = try Self.read(url) } }

    func pickSigned(_ url: URL) {
        work {
            self.signed = try Self.read(url)
            self.check = nil
        }
    }

    func sign() {
        guard let key, let content = document else { return }
        let attachment: Attachment = detached ? .detached : .attached
        let app = services.app
        work {
            self.signature = try await self.services.withKey(key, self.secrets) { keys in
                try await app.signDocument(location: key.location, keys: keys, content: content.bytes, attachment: attachment)
            }
            self.saved = false
            self.secrets.clear()
        }
    }

    /// The signature as a file to export (the system's "save to Files").
    func signatureFile() throws -> URL? {
        guard let signature else { return nil }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent((document?.name ?? "document") + ".p7s")
        try signature.write(to: url, options: .atomic)
        return url
    }

    func markSaved() { saved = true }

    /// Checks the signed file; a detached signature against the document picked for signing.
    func runCheck() {
        guard let signed else { return }
        let app = services.app
        let document = document?.bytes
        let trusted = services.trustedCertificates()
        work {
            self.check = try await self.offMain { try app.checkDocument(signedData: signed.bytes, document: document, trusted: trusted) }
        }
    }

    private static func read(_ url: URL) throws -> PickedDocument {
        let scoped = url.startAccessingSecurityScopedResource()
        defer { if scoped { url.stopAccessingSecurityScopedResource() } }
        return PickedDocument(name: url.lastPathComponent, bytes: try Data(contentsOf: url))
    }
}

struct DocumentsView: View {
    @ObservedObject var model: DocumentsModel
    let onBack: () -> Void
    @State private var pickingDocument = false
    @State private var pickingSigned = false
    @State private var exporting: URL?

    var body: some View {
        ScreenScaffold(title: tr("documents_title"), onBack: onBack) {
            ProblemText(problem: model.problem)
            if model.needsUnlock {
                UnlockView { model.unlocked() }
            } else {
                signing
                checking
            }
        }
        .background(EmptyView().fileImporter(isPresented: $pickingDocument, allowedContentTypes: [.item]) { result in
            if case let .success(url) = result { model.pickDocument(url) }
        })
        .background(EmptyView().fileImporter(isPresented: $pickingSigned, allowedContentTypes: [.item]) { result in
            if case let .success(url) = result { model.pickSigned(url) }
        })
        .sheet(item: $exporting) { url in
            DocumentExporter(url: url) { ok in
                if ok { model.markSaved() }
                exporting = nil
            }
        }
    }

    @ViewBuilder
    private var signing: some View {
        SectionTitle(tr("documents_sign"))
        OutlineButton(model.document.map { tr("documents_picked", $0.name) } ?? tr("documents_pick"), id: Tags.pickDocument) {
            pickingDocument = true
        }
        if let key = model.key {
            KeySummary(key: key)
            KeySecretsForm(storage: key.storage, secrets: model.secrets)
            CheckRow(on: $model.detached, label: tr("documents_detached"), id: Tags.detached)
            if model.busy { Busy(tr("busy")) }
            WideButton(tr("documents_sign_do"), id: Tags.submit,
                       enabled: !model.busy && model.document != nil && model.secrets.complete(key.storage)) { model.sign() }
        } else {
            KeyPicker(keys: model.signers, title: tr("documents_pick_key")) { model.key = $0 }
        }
        if model.signature != nil {
            Text(tr(model.saved ? "documents_saved" : "documents_signed")).font(.body)
            WideButton(tr("documents_save"), id: Tags.saveSignature) {
                do { exporting = try model.signatureFile() } catch { model.problem = Problem.of(error) }
            }
        }
    }

    @ViewBuilder
    private var checking: some View {
        SectionTitle(tr("documents_check"))
        Text(tr("documents_check_intro")).font(.callout)
        OutlineButton(model.signed.map { tr("documents_picked", $0.name) } ?? tr("documents_pick_signed"), id: Tags.pickSigned) {
            pickingSigned = true
        }
        WideButton(tr("documents_check_do"), id: Tags.check, enabled: !model.busy && model.signed != nil) { model.runCheck() }
        if let result = model.check {
            Fact(tr("check_signer"), tr("review_holder_iin", result.signerHolder, result.signerIin))
            Fact(tr("check_serial"), result.signerSerial)
            if let at = result.signedAt { Fact(tr("check_signed_at"), formatDate(at)) }
            Fact(tr("check_valid_then"), tr(result.certificateValidThen ? "yes" : "no"))
            Fact(tr("check_trusted"), tr(result.chainsToTrustedRoot ? "yes" : "no"))
        }
    }
}

extension URL: Identifiable {
    public var id: String { absoluteString }
}

/// The system's "export to Files" for the signature file.
private struct DocumentExporter: UIViewControllerRepresentable {
    let url: URL
    let done: (Bool) -> Void

    func makeUIViewController(context: Context) -> UIDocumentPickerViewController {
        let picker = UIDocumentPickerViewController(forExporting: [url], asCopy: true)
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: UIDocumentPickerViewController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(done: done) }

    final class Coordinator: NSObject, UIDocumentPickerDelegate {
        let done: (Bool) -> Void
        init(done: @escaping (Bool) -> Void) { self.done = done }
        func documentPicker(_ controller: UIDocumentPickerViewController, didPickDocumentsAt urls: [URL]) { done(true) }
        func documentPickerWasCancelled(_ controller: UIDocumentPickerViewController) { done(false) }
    }
}
