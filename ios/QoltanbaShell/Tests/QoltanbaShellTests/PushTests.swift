import Foundation
import Qoltanba
@testable import QoltanbaShell
import XCTest

/// APNs' userInfo to the core's reminder, and the token's way to the RA.
final class PushTests: XCTestCase {
    /// The APNs body the RA sends for a notice (server/src/notify/send/apns.rs:
    /// `aps` and, beside it, the notice's typed fields under `qoltanba`),
    /// made from the RA's FCM data of the same notice, as userInfo holds it.
    private func apnsUserInfo(fromFcmData data: Data) throws -> [AnyHashable: Any] {
        let fcm = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: String], "the RA's FCM data")
        let daysLeft = try XCTUnwrap(fcm["days_left"].flatMap { Int($0) })
        let notice: [AnyHashable: Any] = [
            "v": NSNumber(value: 1), "kind": fcm["kind"] ?? "", "serial": fcm["serial"] ?? "",
            "purpose": fcm["purpose"] ?? "", "not_after": fcm["not_after"] ?? "", "days_left": NSNumber(value: daysLeft),
        ]
        return ["aps": ["alert": ["title": "t", "body": "b"], "sound": "default"] as [AnyHashable: Any], "qoltanba": notice]
    }

    func testTheRasNoticeBecomesTheSameReminderAsTheLocalOneAndTheTokenReachesTheRa() async throws {
        let dir = try tempDir("push")
        let app = try Ra.app(dir)
        let files = try Ra.enroll(dir)
        for file in files {
            _ = try app.importKeyFile(path: file, password: password, intoDir: dir.appendingPathComponent("app-keys").path)
        }
        let notifier = RecordingNotifier()
        let defaults = try XCTUnwrap(UserDefaults(suiteName: "qoltanba-push-\(UUID().uuidString)"))
        let tokens = PushTokens(defaults: defaults)
        let handler = PushHandler(app: app, notifier: notifier, tokens: tokens)

        let auth = try XCTUnwrap(app.citizenKeys().first { $0.purpose == .auth })
        let session = try await app.logIn(location: auth.location, keys: .keyFiles(password: password, newPassword: ""))
        let none = try await handler.registerWithRa(session: session, locale: "kk-KZ")
        XCTAssertNil(none, "no token yet")
        let token = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        handler.onToken(token)
        XCTAssertEqual(tokens.token(), token.map { String(format: "%02x", $0) }.joined(), "the token as hex")
        let device = try await handler.registerWithRa(session: session, locale: "kk-KZ")
        XCTAssertNotNil(device, "registered as an iOS device")
        let again = try await handler.registerWithRa(session: session, locale: "kk-KZ")
        XCTAssertEqual(again, device, "registered once")
        XCTAssertFalse(tokens.needsRegistration())

        // The RA's notices (its notifier sends to Android devices here, so
        // one is registered for them) in the APNs shape.
        _ = try await app.registerDevice(session: session, platform: "android", token: "fcm-" + UUID().uuidString, locale: "kk-KZ")
        let pushes = try Ra.server().runNotifier(at: Date())
        let local = try app.reminders(now: nil).due
        let localSerials = Set(local.map(\.serial))
        var ours: [[AnyHashable: Any]] = []
        for push in pushes {
            let info = try apnsUserInfo(fromFcmData: push.data)
            if let serial = (info["qoltanba"] as? [AnyHashable: Any])?["serial"] as? String, localSerials.contains(serial) {
                ours.append(info)
            }
        }
        XCTAssertEqual(ours.count, files.count, "a notice per certificate")
        for userInfo in ours {
            let shown = try XCTUnwrap(handler.onNotification(userInfo))
            let same = try XCTUnwrap(local.first { $0.serial == shown.serial })
            XCTAssertEqual(shown.id, same.id, "the local reminder's id")
            XCTAssertEqual(shown.deepLink, same.deepLink)
            XCTAssertEqual(shown.daysLeft, 7)
        }
        XCTAssertEqual(notifier.shown.count, ours.count)

        // A new token: the old registration goes, the new one comes.
        handler.onToken(Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
        XCTAssertTrue(tokens.needsRegistration())
        let newDevice = try await handler.registerWithRa(session: session, locale: "ru-KZ")
        XCTAssertEqual(newDevice, tokens.deviceId())
        XCTAssertNotEqual(newDevice, device)
    }

    func testAMalformedPushIsDroppedAndItsPayloadNotLogged() throws {
        let log = CapturedLog()
        let notifier = RecordingNotifier()
        let handler = PushHandler(app: try Ra.app(tempDir("push-bad")), notifier: notifier,
                                  tokens: PushTokens(defaults: try XCTUnwrap(UserDefaults(suiteName: "qoltanba-push-bad"))))
        let good: [AnyHashable: Any] = ["aps": ["alert": "x"], "qoltanba": [
            "v": 1, "kind": "expiry", "serial": "5E0001", "purpose": "sign", "not_after": "2030-01-01T00:00:00Z", "days_left": 7,
        ] as [AnyHashable: Any]]
        var advert = good
        advert["qoltanba"] = ["v": 1, "kind": "advert", "serial": "5E0001", "secret-looking": "S3CR3T"]
        var wrongVersion = good
        wrongVersion["qoltanba"] = ["v": 2, "kind": "expiry", "serial": "5E0001", "purpose": "sign",
                                    "not_after": "2030-01-01T00:00:00Z", "days_left": 7]
        XCTAssertNil(handler.onNotification(advert))
        XCTAssertNil(handler.onNotification(["hello": "world"]))
        XCTAssertNil(handler.onNotification([:]))
        XCTAssertNil(handler.onNotification(wrongVersion))
        XCTAssertNil(handler.onNotification([1: "a key that is no string"]))
        // The same payload in the version the core reads is accepted: the refusals above were the payloads'.
        XCTAssertEqual(handler.onNotification(good)?.serial, "5E0001")
        XCTAssertEqual(notifier.shown.count, 1, "only the good one shown")
        let dropped = log.lines.filter { $0.contains("push was dropped") }
        XCTAssertEqual(dropped.count, 5, "\(log.lines)")
        for line in dropped {
            for payload in ["5E0001", "S3CR3T", "advert", "world"] {
                XCTAssertFalse(line.contains(payload), "payload in the log: \(line)")
            }
        }
        XCTAssertEqual(dropped.filter { $0.contains("invalid_input") }.count, 4, "the error code is: \(dropped)")
    }

    func testUserInfoBecomesJsonWithSortedKeys() throws {
        let json = try XCTUnwrap(PushPayload.json(from: ["b": "x\"y", "a": ["n": 7, "list": [true, "q"]] as [AnyHashable: Any]]))
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"{"a":{"list":[true,"q"],"n":7},"b":"x\"y"}"#)
        XCTAssertNil(PushPayload.json(from: ["date": Date()]), "not a JSON value")
        XCTAssertEqual(PushPayload.json(from: [:]).map { String(decoding: $0, as: UTF8.self) }, "{}")
        XCTAssertEqual(PushHandler.hex(Data([0x00, 0xAB, 0x0F])), "00ab0f")
    }
}

/// The pure diff from the core's plan to notifications, and the replan with a calendar.
final class ReminderTests: XCTestCase {
    private let end = Date(timeIntervalSince1970: 1_893_974_400) // 2030-01-08

    private func reminder(_ serial: String, _ daysLeft: UInt32?) -> ReminderInfo {
        ReminderInfo(id: "\(serial):\(daysLeft.map(String.init) ?? "end")", serial: serial, purpose: .sign, notAfter: end,
                     fireAt: end.addingTimeInterval(-86_400 * Double(daysLeft ?? 0)), daysLeft: daysLeft,
                     title: "t", body: "b", deepLink: "qoltanba://renew?serial=\(serial)")
    }

    func testTheFirstPlanSchedulesAllAndShowsTheDueOnes() {
        let due = reminder("AA", 7)
        let later = [reminder("AA", 3), reminder("AA", 1), reminder("AA", nil)]
        let diff = ReminderScheduler.diff(plan: ReminderPlan(due: [due], scheduled: later), scheduledBefore: [], shownBefore: [])
        XCTAssertEqual(diff.cancel, [])
        XCTAssertEqual(diff.schedule, later)
        XCTAssertEqual(diff.show, [due])
        XCTAssertEqual(diff.scheduledIds, ["AA:3", "AA:1", "AA:end"])
        XCTAssertEqual(diff.shownIds, ["AA:7"])
    }

    func testADueReminderIsShownOnceWhileItStaysDue() {
        let plan = ReminderPlan(due: [reminder("AA", 7)], scheduled: [reminder("AA", 3)])
        let first = ReminderScheduler.diff(plan: plan, scheduledBefore: [], shownBefore: [])
        let again = ReminderScheduler.diff(plan: plan, scheduledBefore: first.scheduledIds, shownBefore: first.shownIds)
        XCTAssertEqual(again.show, [])
        XCTAssertEqual(again.shownIds, ["AA:7"])
        XCTAssertEqual(again.schedule, [reminder("AA", 3)], "scheduling again replaces and takes up new words")
    }

    func testWhatThePlanDroppedIsCancelledAndForgotten() {
        let diff = ReminderScheduler.diff(plan: ReminderPlan(due: [], scheduled: [reminder("BB", 30)]),
                                          scheduledBefore: ["AA:3", "AA:1", "AA:end"], shownBefore: ["AA:7"])
        XCTAssertEqual(diff.cancel, ["AA:1", "AA:3", "AA:end"])
        XCTAssertEqual(diff.schedule, [reminder("BB", 30)])
        XCTAssertEqual(diff.show, [])
        XCTAssertEqual(diff.shownIds, [])
    }

    func testAScheduledReminderThatBecameDueIsShownAndCancelled() {
        let three = reminder("AA", 3)
        let diff = ReminderScheduler.diff(plan: ReminderPlan(due: [three], scheduled: [reminder("AA", 1)]),
                                          scheduledBefore: ["AA:3", "AA:1"], shownBefore: ["AA:7"])
        XCTAssertEqual(diff.cancel, ["AA:3"])
        XCTAssertEqual(diff.show, [three])
        XCTAssertEqual(diff.shownIds, ["AA:3"])
    }

    func testDuplicateIdsInAPlanCountOnce() {
        let one = reminder("AA", 3)
        let diff = ReminderScheduler.diff(plan: ReminderPlan(due: [reminder("AA", 7), reminder("AA", 7)], scheduled: [one, one]),
                                          scheduledBefore: [], shownBefore: [])
        XCTAssertEqual(diff.schedule, [one])
        XCTAssertEqual(diff.show.count, 1)
    }

    /// The app's UNUserNotificationCenter adapter, in memory.
    final class MemoryCalendar: ReminderCalendar {
        var pending: [String: ReminderInfo] = [:]
        func schedule(_ r: ReminderInfo) { pending[r.id] = r }
        func cancel(ids: [String]) { ids.forEach { pending[$0] = nil } }
        func scheduledIds() -> Set<String> { Set(pending.keys) }
    }

    func testTheCoresPlanOnTheCalendarShownOnce() throws {
        let dir = try tempDir("reminders")
        let app = try Ra.app(dir)
        for file in try Ra.enroll(dir) {
            _ = try app.importKeyFile(path: file, password: password, intoDir: dir.appendingPathComponent("keys").path)
        }
        let calendar = MemoryCalendar()
        calendar.pending["gone:3"] = reminder("gone", 3)
        let notifier = RecordingNotifier()
        let reminders = Reminders(calendar: calendar, notifier: notifier,
                                  defaults: try XCTUnwrap(UserDefaults(suiteName: "qoltanba-reminders-\(UUID().uuidString)")))
        let plan = try app.reminders(now: nil)
        XCTAssertFalse(plan.due.isEmpty || plan.scheduled.isEmpty, "\(plan)")
        let diff = reminders.replan(plan)
        XCTAssertEqual(diff.cancel, ["gone:3"])
        XCTAssertEqual(calendar.scheduledIds(), Set(plan.scheduled.map(\.id)))
        XCTAssertEqual(notifier.shown, plan.due)
        reminders.replan(try app.reminders(now: nil))
        XCTAssertEqual(notifier.shown.count, plan.due.count, "a due reminder is shown once")
    }
}

/// Deep links read by the core, and the language the core speaks.
final class LinksAndLanguageTests: XCTestCase {
    func testTheRenewLinkLeadsToTheRenewalOfItsKey() {
        XCTAssertEqual(DeepLinks.route("qoltanba://renew?serial=5E0001"), .renew(serial: "5E0001"))
    }

    func testOtherLinksLeadNowhereAndAreNotLogged() {
        let log = CapturedLog()
        for link in ["https://example.kz/renew?serial=5E0001", "qoltanba://revoke?serial=5E0001", "", "qoltanba://renew"] {
            XCTAssertNil(DeepLinks.route(link), link)
        }
        XCTAssertEqual(log.lines.count, 4)
        XCTAssertFalse(log.lines.contains { $0.contains("example.kz") || $0.contains("5E0001") }, "\(log.lines)")
    }

    func testTheCitizensChoiceThenTheSystemsLanguagesThenEnglish() {
        XCTAssertEqual(Language.pick(systemTags: ["kk-KZ", "en-US"], chosen: "ru"), "ru")
        XCTAssertEqual(Language.pick(systemTags: ["kk-KZ", "ru-KZ"], chosen: nil), "kk")
        XCTAssertEqual(Language.pick(systemTags: ["de-DE", "ru-KZ", "kk"], chosen: nil), "ru")
        XCTAssertEqual(Language.pick(systemTags: ["kk-Cyrl-KZ"], chosen: nil), "kk")
        XCTAssertEqual(Language.pick(systemTags: ["ru_RU"], chosen: nil), "ru")
        XCTAssertEqual(Language.pick(systemTags: ["fr-FR", "EN-gb"], chosen: nil), "en")
        XCTAssertEqual(Language.pick(systemTags: ["kk-KZ"], chosen: "de"), "kk")
        XCTAssertEqual(Language.pick(systemTags: ["kk-KZ"], chosen: ""), "kk")
        XCTAssertEqual(Language.pick(systemTags: ["de-DE", "uz-Latn-UZ"], chosen: nil), Language.fallback)
        XCTAssertEqual(Language.pick(systemTags: [], chosen: nil), "en")
    }

    func testTheCoreSpeaksThePickedLanguage() {
        defer { Language.apply("en") }
        let lost = QoltanbaError.CardLost(detail: "")
        var words: [String: String] = [:]
        for tag in Language.supported {
            Language.apply(Language.pick(systemTags: ["\(tag)-KZ"], chosen: nil))
            XCTAssertEqual(currentLocale(), tag)
            words[tag] = errorKindMessage(error: lost)
        }
        XCTAssertEqual(Set(words.values).count, 3, "three languages: \(words)")
        Language.apply(Language.pick(systemTags: ["de-DE"], chosen: "kk"))
        XCTAssertEqual(currentLocale(), "kk", "the citizen's choice")
    }
}
