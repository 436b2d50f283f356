import Foundation
import Qoltanba
@testable import QoltanbaShell
import XCTest

/// The renewal journey against the reference RA on loopback (the core's
/// embedded one) with the core's real flow: key files, the simulator card
/// behind TagTransport, the software keystore.
final class RenewalJourneyTests: XCTestCase {
    func testKeyFilesReviewAWrongCodeThenTheRightOne() throws {
        let dir = try tempDir("journey-files")
        let files = try Ra.enroll(dir, algorithm: "gost512")
        let app = try Ra.app(dir)
        let j = Journey(app)
        j.journey.startWithKeyFiles(keyFileRequest(files, dir))
        XCTAssertEqual(try j.review().email, "testov@example.kz")
        j.journey.confirmReview()
        let application = try j.code()
        XCTAssertTrue(j.screens.seen.contains { if case .working(.signed, _) = $0 { return true } else { return false } },
                      "working screens with the core's steps: \(j.screens.seen)")
        XCTAssertTrue(j.screens.seen.contains { if case .working(_, let text) = $0 { return !text.isEmpty } else { return false } },
                      "the core's progress lines")

        let right = try code(application)
        let wrong = right == "000000" ? "111111" : "000000"
        j.journey.submitCode(wrong)
        XCTAssertEqual(try j.code(wrongBefore: true), application, "the same application's code again")
        j.journey.submitCode(right)
        let summary = try j.done()
        XCTAssertEqual(summary.newCertificates.count, files.count)
        XCTAssertEqual(try app.renewalStep(renewalId: XCTUnwrap(j.journey.renewalId)), .done)
        XCTAssertEqual(j.journey.heldForTesting, [], "nothing held after the end")
        // A double tap after the end does nothing.
        j.journey.submitCode(right)
        XCTAssertEqual(j.journey.screen, .done(summary))
    }

    func testADeclinedReviewEndsWithNothingMade() throws {
        let dir = try tempDir("journey-decline")
        let files = try Ra.enroll(dir)
        let app = try Ra.app(dir)
        let j = Journey(app)
        j.journey.startWithKeyFiles(keyFileRequest(files, dir))
        _ = try j.review()
        j.journey.declineReview()
        try j.screens.await("declined") { $0 == .declined }
        XCTAssertEqual(try app.unfinishedRenewals(), [])
        let made = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("new").path)) ?? []
        XCTAssertEqual(made, [], "no new keys")
        XCTAssertEqual(j.journey.heldForTesting, [])
    }

    func testCancelledAtTheReviewThenResumedAfterARestart() throws {
        let dir = try tempDir("journey-resume")
        let files = try Ra.enroll(dir)
        let app = try Ra.app(dir)
        let first = Journey(app)
        first.journey.startWithKeyFiles(keyFileRequest(files, dir))
        _ = try first.review()
        XCTAssertTrue(first.journey.heldForTesting.contains("keys"), "the passwords wait for the confirmation")
        first.journey.cancel()
        XCTAssertEqual(first.journey.screen, .idle)
        XCTAssertEqual(first.journey.heldForTesting, [])
        let id = try XCTUnwrap(first.journey.renewalId)
        XCTAssertEqual(try app.unfinishedRenewals(), [id])

        // A new journey (the app restarted), the keys given again.
        let second = Journey(app)
        second.journey.resume(renewalId: id, keys: .keyFiles(password: password, newPassword: newPassword))
        _ = try second.review()
        second.journey.confirmReview()
        second.journey.submitCode(try code(second.code()))
        _ = try second.done()
        XCTAssertEqual(second.journey.renewalId, id)
        XCTAssertFalse(String(describing: JourneyKeys.card(can: can, pin: pin)).contains(pin), "keys print redacted")
    }

    func testTheCardLostDuringTheCodeStepAndTheRenewalFinishingOnTheNextTap() throws {
        let dir = try tempDir("journey-card")
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
        let oldSerials = try Ra.server().enrollCard(card: sim, can: can, pin: pin, iin11: Ra.iin(), algorithm: "p256", daysLeft: 7)
        let app = try Ra.app(dir)
        let j = Journey(app)
        j.journey.startWithCard(cardRequest(dir), can: can, pin: pin)
        try j.screens.await("the first tap") { $0 == .tapCard(lost: false) }
        let first = SimulatorChannel(sim.transport())
        j.reader.tagDiscovered(TagTransport(first))
        _ = try j.review()
        j.journey.confirmReview()
        let application = try j.code()
        // The card leaves the field three APDUs into the code's step (the
        // core logs in with the card again, the code goes, the new
        // certificates are installed on the card).
        first.loseTagAt = first.transmits + 3
        j.journey.submitCode(try code(application))
        try j.screens.await("the card lost", seconds: 120) { $0 == .tapCard(lost: true) || $0.isFailed }
        XCTAssertEqual(j.journey.screen, .tapCard(lost: true), "\(j.screens.seen)")
        let stepAtLoss = try app.renewalStep(renewalId: XCTUnwrap(j.journey.renewalId))
        XCTAssertNotEqual(stepAtLoss, .done)
        XCTAssertEqual(j.journey.heldForTesting.filter { $0 == "session" }, [], "the lost card's session is closed")

        // The card back on the phone: a new tag, PACE and the PIN again, the renewal finishes.
        let second = SimulatorChannel(sim.transport())
        j.reader.tagDiscovered(TagTransport(second))
        let summary = try j.done()
        XCTAssertEqual(Set(summary.oldSerials), Set(oldSerials))
        XCTAssertEqual(summary.newCertificates.count, 2)
        XCTAssertTrue(summary.newCertificates.allSatisfy { $0.location.hasPrefix("slot-") }, "\(summary.newCertificates)")
        XCTAssertGreaterThan(second.transmits, 5, "PACE and the PIN again on the second tap")
        let seen = j.screens.seen
        let lostAt = try XCTUnwrap(seen.firstIndex(of: .tapCard(lost: true)))
        XCTAssertFalse(seen[lostAt...].contains { $0.isCode }, "the code was not asked again: \(seen)")
        XCTAssertEqual(j.journey.heldForTesting, [])
    }

    func testAWrongPinFailsForGoodWithTheCoresWords() throws {
        let dir = try tempDir("journey-pin")
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
        _ = try Ra.server().enrollCard(card: sim, can: can, pin: pin, iin11: Ra.iin(), algorithm: "p256", daysLeft: 7)
        let j = Journey(try Ra.app(dir))
        j.journey.startWithCard(cardRequest(dir), can: can, pin: "0000")
        try j.screens.await("the tap") { $0 == .tapCard(lost: false) }
        j.reader.tagDiscovered(TagTransport(SimulatorChannel(sim.transport())))
        let failed = try j.failed()
        XCTAssertEqual(failed.code, "wrong_pin")
        XCTAssertFalse(failed.canRetry)
        XCTAssertFalse(failed.message.isEmpty || failed.message.contains("0000"), failed.message)
        XCTAssertEqual(j.journey.heldForTesting, [])
    }

    func testAnUnreachableRaFailsRetryablyInTheChosenLanguage() throws {
        let dir = try tempDir("journey-offline")
        let files = try Ra.enroll(dir)
        // An RA nobody listens at: port 9 (discard) on loopback refuses.
        var messages: [String] = []
        defer { Language.apply("en") }
        for tag in ["kk", "en"] {
            Language.apply(tag)
            let app = try App.open(databasePath: dir.appendingPathComponent("offline-\(tag).db").path,
                                   serverUrl: "https://127.0.0.1:9", serverRootDer: Ra.server().rootDer())
            let j = Journey(app)
            j.journey.startWithKeyFiles(keyFileRequest(files, dir))
            let failed = try j.failed()
            XCTAssertEqual(failed.code, "ra_unreachable")
            XCTAssertTrue(failed.canRetry, "the same call can be made again")
            XCTAssertTrue(j.journey.heldForTesting.contains("keys"), "the secrets wait for the retry")
            j.journey.retry()
            try j.screens.await("the retry's failure") { _ in j.screens.seen.filter(\.isFailed).count >= 2 }
            j.journey.cancel()
            XCTAssertEqual(j.journey.heldForTesting, [])
            messages.append(failed.message)
        }
        XCTAssertNotEqual(messages[0], messages[1], "the core's words follow the language")
    }

    func testNewKeysIntoTheSoftwareKeystore() throws {
        let dir = try tempDir("journey-keystore")
        let files = try Ra.enroll(dir)
        let keystore = try PlatformKeys.software(dir: dir.appendingPathComponent("keystore").path)
        let j = Journey(try Ra.app(dir))
        j.journey.startIntoKeystore(keystore, KeystoreRenewal(currentKeys: files, password: password,
                                                              email: "testov@example.kz", locality: "Astana"))
        _ = try j.review()
        j.journey.confirmReview()
        j.journey.submitCode(try code(j.code()))
        let summary = try j.done()
        let keys = try keystore.list()
        XCTAssertEqual(Set(summary.newCertificates.map(\.location)), Set(keys.map(\.alias)))
        XCTAssertFalse(keys.isEmpty)
        XCTAssertTrue(keys.allSatisfy { $0.level == .software }, "\(keys)")
        XCTAssertEqual(j.journey.heldForTesting, [])
    }

    func testCallsThatDoNotFitTheScreenAreIgnored() throws {
        let j = Journey(try Ra.app(tempDir("journey-idle")))
        j.journey.confirmReview()
        j.journey.submitCode("123456")
        j.journey.unlocked()
        j.journey.retry()
        j.journey.declineReview()
        j.journey.answerQuestion(true)
        XCTAssertEqual(j.journey.screen, .idle)
        XCTAssertNil(j.journey.renewalId)
        XCTAssertEqual(j.journey.heldForTesting, [])
    }
}
