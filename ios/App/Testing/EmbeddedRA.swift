#if QOLTANBA_TESTING
import Foundation
import Qoltanba
import SwiftUI

/// The test configuration only (compilation condition QOLTANBA_TESTING, the
/// core built with feature `testing`): launched with `-QoltanbaEmbeddedRA`,
/// the app talks to the core's reference RA running in its own process on
/// loopback instead of the operator's, with a citizen enrolled for the UI test
/// (key files with 7 days left, password from QOLTANBA_TEST_PASSWORD) added to
/// a fresh database. Release and Debug builds contain none of this.
enum EmbeddedRA {
    static let launchArgument = "-QoltanbaEmbeddedRA"
    /// The running RA, for the one-time code on the code screen.
    private(set) static var server: EmbeddedServer?
    private static var enrolled: [String] = []

    /// Starts the RA when the launch argument asks for it.
    static func startIfAsked() -> (ra: RegistrationAuthority, root: URL)? {
        let process = ProcessInfo.processInfo
        guard process.arguments.contains(launchArgument) else { return nil }
        do {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("uitest-\(UUID().uuidString)", isDirectory: true)
            let citizen = root.appendingPathComponent("citizen", isDirectory: true)
            try FileManager.default.createDirectory(at: citizen, withIntermediateDirectories: true)
            let server = try EmbeddedServer.start()
            let iin = process.environment["QOLTANBA_TEST_IIN"] ?? "90010140077"
            let password = process.environment["QOLTANBA_TEST_PASSWORD"] ?? "Citizen2026a"
            enrolled = try server.enroll(iin11: iin, algorithm: "p256", daysLeft: 7, password: password, outDir: citizen.path)
            Self.server = server
            return (RegistrationAuthority(url: server.url(), rootDer: server.rootDer()), root)
        } catch {
            NSLog("qoltanba: the embedded RA did not start: %@", String(describing: error))
            return nil
        }
    }

    /// Adds the enrolled citizen's key files to the app, as the citizen would.
    static func seed(_ services: Services) {
        let password = ProcessInfo.processInfo.environment["QOLTANBA_TEST_PASSWORD"] ?? "Citizen2026a"
        for file in enrolled {
            do {
                _ = try services.app.importKeyFile(path: file, password: password, intoDir: services.dirs.keyFiles.path)
            } catch {
                NSLog("qoltanba: the enrolled key file was not added: %@", String(describing: error))
            }
        }
    }
}

/// On the code screen under the embedded RA: the code its SMS outbox holds,
/// for the UI test to type (a person would read the SMS).
struct EmbeddedRACode: View {
    let application: Int64
    @State private var code: String?

    var body: some View {
        if EmbeddedRA.server != nil {
            Text(code ?? "")
                .font(.footnote)
                .accessibilityIdentifier(Tags.embeddedCode)
                .task {
                    for _ in 0 ..< 40 where code == nil {
                        code = EmbeddedRA.server?.codeFor(number: application)
                        if code == nil { try? await Task.sleep(nanoseconds: 250_000_000) }
                    }
                }
        }
    }
}
#endif
