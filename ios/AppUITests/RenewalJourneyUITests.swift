import XCTest

/// The renewal journey through the app's screens, end to end against the
/// core's reference RA running inside the app (test configuration, launch
/// argument -QoltanbaEmbeddedRA: a citizen's key files enrolled with 7 days
/// left and added): menu -> keys -> renew -> the form -> the review ->
/// confirm -> the one-time code -> done -> the keys, old and new.
final class RenewalJourneyUITests: XCTestCase {
    private let password = "Citizen2026a"
    private let newPassword = "Renewed2026b"

    override func setUp() {
        continueAfterFailure = false
    }

    func testRenewKeyFilesThroughTheScreens() {
        let app = XCUIApplication()
        app.launchArguments += ["-QoltanbaEmbeddedRA", "-AppleLanguages", "(en)", "-AppleLocale", "en_US"]
        app.launchEnvironment["QOLTANBA_TEST_PASSWORD"] = password
        app.launch()

        tap(app, "menu-KEYS")
        let keys = app.descendants(matching: .any).matching(NSPredicate(format: "identifier BEGINSWITH 'key-'"))
        XCTAssertTrue(keys.firstMatch.waitForExistence(timeout: 30), "the enrolled keys are listed")
        XCTAssertEqual(keys.count, 2, "the AUTH and SIGN key files")
        let renew = app.buttons.matching(NSPredicate(format: "identifier BEGINSWITH 'action-RENEW-'")).firstMatch
        XCTAssertTrue(renew.waitForExistence(timeout: 10))
        renew.tap()

        type(app, "password", password)
        tap(app, "home-files")
        type(app, "new-password", newPassword)
        type(app, "new-password-again", newPassword)
        type(app, "email", "testov@example.kz")
        type(app, "locality", "Astana")
        tap(app, "start")

        // The review before anything is made or signed.
        XCTAssertTrue(element(app, "review").waitForExistence(timeout: 60))
        XCTAssertFalse(element(app, "problem").exists)
        tap(app, "confirm")

        // The code: the embedded RA's SMS outbox, shown by the test build.
        XCTAssertTrue(element(app, "code").waitForExistence(timeout: 120))
        let sms = element(app, "embedded-ra-code")
        let arrived = expectation(for: NSPredicate(format: "label MATCHES '[0-9]{4,8}'"), evaluatedWith: sms)
        wait(for: [arrived], timeout: 30)
        type(app, "code", sms.label)
        tap(app, "submit-code")

        XCTAssertTrue(element(app, "done").waitForExistence(timeout: 120))
        XCTAssertFalse(element(app, "problem").exists)
        tap(app, "to-keys")
        // The old keys (replaced) and the new ones.
        let four = expectation(for: NSPredicate(format: "count == 4"), evaluatedWith: keys)
        wait(for: [four], timeout: 30)
    }

    private func element(_ app: XCUIApplication, _ id: String) -> XCUIElement {
        app.descendants(matching: .any).matching(identifier: id).firstMatch
    }

    /// Scrolls until the element is on screen, then taps it.
    private func tap(_ app: XCUIApplication, _ id: String) {
        let target = element(app, id)
        XCTAssertTrue(target.waitForExistence(timeout: 30), "no element \(id)")
        var swipes = 0
        while !target.isHittable && swipes < 8 {
            app.swipeUp()
            swipes += 1
        }
        target.tap()
    }

    private func type(_ app: XCUIApplication, _ id: String, _ text: String) {
        tap(app, id)
        element(app, id).typeText(text)
    }
}
