import LocalAuthentication
import SwiftUI

/// The unlock of keys in the Apple keystore. The core made them with
/// `userPresence`, so the system asks for Face ID, Touch ID or the passcode
/// when the key signs; when that prompt was refused or failed the core stops
/// with UserNotAuthenticated and the journey (or a screen's model) shows this.
/// LocalAuthentication asks the citizen here, and `onUnlocked` runs the call
/// again (the key's own prompt then follows at once).
struct UnlockView: View {
    let onUnlocked: () -> Void
    @State private var error: String?

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            SectionTitle(tr("unlock_title"))
            Text(tr("unlock_subtitle")).font(.body)
            if let error {
                Text(error).font(.callout).foregroundColor(.red).accessibilityLabel(tr("a11y_problem", error))
            }
            WideButton(tr("unlock_again"), id: Tags.unlock) { ask() }
        }
        .onAppear { ask() }
    }

    private func ask() {
        let context = LAContext()
        var why: NSError?
        // deviceOwnerAuthentication: biometry, else the passcode.
        guard context.canEvaluatePolicy(.deviceOwnerAuthentication, error: &why) else {
            error = why?.localizedDescription
            return
        }
        context.evaluatePolicy(.deviceOwnerAuthentication, localizedReason: tr("unlock_subtitle")) { ok, failure in
            DispatchQueue.main.async {
                if ok {
                    error = nil
                    onUnlocked()
                } else {
                    // The system's words (cancelled, locked out, no passcode set).
                    error = failure?.localizedDescription
                }
            }
        }
    }
}
