import Qoltanba
import QoltanbaShell
import XCTest
@testable import QoltanbaApp

/// The app's view models against the real core and the core's reference RA
/// in this process (EmbeddedServer: the test configuration, FFI feature
/// `testing`), each test in a fresh database.
@MainActor
final class ViewModelTests: XCTestCase {
    private static let password = "Citizen2026a"
    private var server: EmbeddedServer!
    private var services: Services!
    private var root: URL!

    override func setUp() async throws {
        Language.apply("en")
        root = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)", isDirectory: true)
        server = try EmbeddedServer.start()
        let startup = Startup.open(RegistrationAuthority(url: server.url(), rootDer: server.rootDer()), root: root)
        services = try XCTUnwrap(startup.services, "the core did not open: \(startup)")
    }

    override func tearDown() async throws {
        server.stop()
        try? FileManager.default.removeItem(at: root)
    }

    /// A citizen's AUTH and SIGN key files enrolled by the RA, ending in `days`.
    private func enroll(days: Int64 = 7) throws -> [String] {
        let dir = root.appendingPathComponent("citizen-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try server.enroll(iin11: "90010140077", algorithm: "p256", daysLeft: days, password: Self.password, outDir: dir.path)
    }

    private func importEnrolled() throws -> [CitizenKey] {
        for file in try enroll() {
            _ = try services.app.importKeyFile(path: file, password: Self.password, intoDir: services.dirs.keyFiles.path)
        }
        return try services.app.citizenKeys()
    }

    private func waitUntil(_ what: String, timeout: TimeInterval = 60, _ condition: () -> Bool) async throws {
        let end = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > end { XCTFail("timed out waiting for \(what)"); return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    func testMenuShowsTheCoresMenuAndFollowsTheCabinet() async throws {
        let model = MenuModel(services: services)
        XCTAssertEqual(model.entries, try services.app.menu())
        let renewBefore = try XCTUnwrap(model.entries.first { $0.item == .renew })
        XCTAssertFalse(renewBefore.enabled, "nothing to renew without keys")
        _ = try importEnrolled()
        try await waitUntil("the menu to follow the import") { model.entries.first { $0.item == .renew }?.enabled == true }
        XCTAssertEqual(model.entries, try services.app.menu())
        model.close()
    }

    func testKeysImportAPickedKeyFileWithItsPassword() async throws {
        let files = try enroll()
        let model = KeysModel(services: services)
        for file in files {
            model.picked(URL(fileURLWithPath: file))
            try await waitUntil("the copy") { model.importing != nil && !model.busy }
            model.secrets.password = Self.password
            model.importKeyFile()
            try await waitUntil("the import") { model.importing == nil && !model.busy }
        }
        try await waitUntil("the list") { model.keys.count == 2 }
        XCTAssertNil(model.problem)
        XCTAssertEqual(Set(model.keys.map(\.purpose)), [.auth, .sign])
        XCTAssertTrue(model.keys.allSatisfy { $0.actions.contains(.renew) }, "7 days left: renewable")
        model.close()
    }

    func testAWrongKeyFilePasswordIsTheCoresSentence() async throws {
        let file = try XCTUnwrap(try enroll().first)
        let model = KeysModel(services: services)
        model.picked(URL(fileURLWithPath: file))
        try await waitUntil("the copy") { model.importing != nil && !model.busy }
        model.secrets.password = "not-the-password"
        model.importKeyFile()
        try await waitUntil("the failure") { model.problem != nil }
        guard case let .core(text)? = model.problem else { return XCTFail("expected the core's words, got \(String(describing: model.problem))") }
        XCTAssertFalse(text.isEmpty)
        XCTAssertNotNil(model.importing, "the file stays picked for another try")
        XCTAssertTrue(try services.app.citizenKeys().isEmpty)
        model.close()
    }

    func testRenewalOfKeyFilesThroughTheJourney() async throws {
        let old = try importEnrolled()
        let sign = try XCTUnwrap(old.first { $0.purpose == .sign })
        let model = RenewModel(services: services, serial: sign.serial)
        try await waitUntil("the key") { model.key != nil }
        XCTAssertNil(model.resuming)
        model.secrets.password = Self.password
        model.home = .files
        model.newPassword = "Renewed2026b"
        model.newPasswordAgain = "Renewed2026b"
        model.email = "testov@example.kz"
        model.locality = "Astana"
        XCTAssertTrue(model.ready)
        model.start()
        try await waitUntil("the review") { if case .review = model.screen { return true }; return false }
        if case let .review(review) = model.screen {
            XCTAssertEqual(review.email, "testov@example.kz")
            XCTAssertEqual(Set(review.replaces), Set(old.map(\.serial)))
        }
        model.journey.confirmReview()
        var application: Int64?
        try await waitUntil("the code", timeout: 120) {
            if case let .code(number, _) = model.screen { application = number; return true }
            return false
        }
        let code = try XCTUnwrap(server.codeFor(number: try XCTUnwrap(application)))
        model.journey.submitCode(code)
        try await waitUntil("the result", timeout: 120) { if case .done = model.screen { return true }; return false }
        XCTAssertEqual(model.secrets.password, "", "the secrets are forgotten after the renewal")
        let after = try services.app.citizenKeys()
        for key in old {
            XCTAssertEqual(after.first { $0.serial == key.serial }?.status, .replaced)
        }
        let renewed = after.filter { key in !old.contains { $0.serial == key.serial } }
        XCTAssertEqual(Set(renewed.map(\.purpose)), [.auth, .sign])
        model.close()
    }

    func testRenewalRefusesTwoDifferentNewPasswords() async throws {
        let sign = try XCTUnwrap(try importEnrolled().first { $0.purpose == .sign })
        let model = RenewModel(services: services, serial: sign.serial)
        try await waitUntil("the key") { model.key != nil }
        model.secrets.password = Self.password
        model.newPassword = "Renewed2026b"
        model.newPasswordAgain = "Renewed2026c"
        model.email = "testov@example.kz"
        model.locality = "Astana"
        model.start()
        XCTAssertEqual(model.problem, .app(key: "passwords_differ"))
        XCTAssertFalse(model.journeyShown)
        XCTAssertEqual(model.screen, .idle)
        model.close()
    }

    func testARenewalOfAnUnknownKeySaysSo() async throws {
        let model = RenewModel(services: services, serial: "5E0001")
        try await waitUntil("the load") { model.problem != nil }
        XCTAssertEqual(model.problem, .app(key: "renew_key_unknown"))
        XCTAssertNil(model.key)
        model.close()
    }

    func testRevocationOffersTheCoresReasonsAndKeys() async throws {
        let keys = try importEnrolled()
        let model = RevokeModel(services: services, serial: nil)
        XCTAssertEqual(model.reasons, services.app.revocationReasons())
        try await waitUntil("the keys") { !model.keys.isEmpty }
        XCTAssertEqual(Set(model.revocable.map(\.serial)), Set(keys.filter { $0.actions.contains(.revoke) }.map(\.serial)))
        XCTAssertTrue(model.signers.allSatisfy { $0.purpose == .auth || $0.purpose == .both })
        model.close()
    }

    func testCredentialsRefuseTwoDifferentNewPins() async throws {
        let model = CredentialsModel(services: services, serial: nil, action: .changePin)
        model.key = try XCTUnwrap(try importEnrolled().first)
        model.old = "1234"
        model.new = "5678"
        model.again = "5679"
        model.submit()
        XCTAssertEqual(model.problem, .app(key: "pins_differ"))
        XCTAssertFalse(model.busy)
    }

    func testKeySecretsAskWhatEachStorageNeeds() {
        let secrets = KeySecrets(rememberedCan: nil)
        XCTAssertFalse(secrets.complete(.file))
        XCTAssertFalse(secrets.complete(.idCard))
        XCTAssertTrue(secrets.complete(.platformKeystore))
        XCTAssertFalse(secrets.complete(.token))
        secrets.password = "x"
        secrets.can = "123456"
        secrets.pin = "1234"
        XCTAssertTrue(secrets.complete(.file))
        XCTAssertTrue(secrets.complete(.idCard))
        secrets.clear()
        XCTAssertEqual(secrets.password, "")
        XCTAssertEqual(secrets.can, "123456", "the CAN is kept for the next step")
    }

    func testADeepLinkLandsOnTheRenewalOverTheMenu() {
        let delegate = AppDelegate()
        delegate.navigator.open(.settings)
        delegate.land(link: "qoltanba://renew?serial=5E0001")
        XCTAssertEqual(delegate.navigator.stack.map(\.screen), [.menu, .renew(serial: "5E0001")])
        delegate.land(link: "https://example.kz/elsewhere")
        XCTAssertEqual(delegate.navigator.stack.count, 2, "a link that is not the core's changes nothing")
    }
}
