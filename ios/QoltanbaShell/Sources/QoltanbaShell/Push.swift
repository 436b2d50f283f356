import Foundation
import Qoltanba

/// APNs' `userInfo` as the JSON the core reads (`reminderFromPush`): the
/// RA's notice sits beside `aps` under `qoltanba` (docs/protocol.md, "Push
/// payload"). Pure: no core call.
public enum PushPayload {
    /// `userInfo` as a JSON object (keys sorted), or nil when it is not one
    /// JSON can carry (a key that is no string, a value that is no JSON
    /// value): then it did not come from the RA.
    public static func json(from userInfo: [AnyHashable: Any]) -> Data? {
        guard let object = plain(userInfo), JSONSerialization.isValidJSONObject(object) else { return nil }
        return try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// The property list APNs gives, with string keys all the way down.
    private static func plain(_ value: Any) -> Any? {
        switch value {
        case let dictionary as [AnyHashable: Any]:
            var out: [String: Any] = [:]
            for (key, item) in dictionary {
                guard let key = key.base as? String, let item = plain(item) else { return nil }
                out[key] = item
            }
            return out
        case let array as [Any]:
            var out: [Any] = []
            for item in array {
                guard let item = plain(item) else { return nil }
                out.append(item)
            }
            return out
        case is String, is NSNumber, is NSNull, is Int, is Double, is Bool:
            return value
        default:
            return nil
        }
    }
}

/// Shows a reminder as a notification; the app implements it with
/// UNUserNotificationCenter. Use `reminder.id` as the request's identifier,
/// so the same reminder shown again (computed here and received by push)
/// replaces itself, and put `reminder.deepLink` in its `userInfo` for the
/// tap, which `DeepLinks.route` reads back.
public protocol ReminderNotifier: AnyObject {
    /// Shows `reminder` now, with the core's title, body and deep link.
    func show(_ reminder: ReminderInfo)
}

/// The device's APNs token and whether the RA has it, in UserDefaults: APNs
/// may hand a new token at any launch, while registering it needs a
/// logged-in RA session (`PushHandler.registerWithRa`).
public final class PushTokens: @unchecked Sendable {
    private let defaults: UserDefaults
    private static let token = "kz.qoltanba.shell.push.token"
    private static let registeredToken = "kz.qoltanba.shell.push.registered-token"
    private static let deviceId = "kz.qoltanba.shell.push.device-id"

    public init(defaults: UserDefaults = .standard) {
        self.defaults = defaults
    }

    /// A new token from APNs (hex): to be registered.
    public func changed(_ token: String) {
        defaults.set(token, forKey: Self.token)
        defaults.removeObject(forKey: Self.registeredToken)
    }

    /// The latest token, or nil before APNs gave one.
    public func token() -> String? { defaults.string(forKey: Self.token) }

    /// Whether the latest token is not yet the one registered with the RA.
    public func needsRegistration() -> Bool {
        guard let token = token() else { return false }
        return defaults.string(forKey: Self.registeredToken) != token
    }

    /// The RA registered the latest token as device `deviceId`.
    public func registered(_ deviceId: Int64) {
        defaults.set(token(), forKey: Self.registeredToken)
        defaults.set(String(deviceId), forKey: Self.deviceId)
    }

    /// The device's id at the RA, once registered.
    public func deviceId() -> Int64? { defaults.string(forKey: Self.deviceId).flatMap { Int64($0) } }
}

/// What the app delegate hands over: the RA's expiry notices (a notification
/// delivered or tapped) and the device's APNs token.
///
/// A notice is read by the core (`reminderFromPush`), which checks it and
/// makes the same `ReminderInfo` as the local reminder for the same moment
/// (same id, so the notification replaces rather than duplicates), with the
/// core's words and deep link; `notifier` shows it. A payload the core does
/// not accept (another sender, another version, damaged) is dropped with a
/// log line that names the error code, never the payload.
public final class PushHandler {
    /// The RA's name for an APNs device.
    public static let platform = "ios"

    private let app: App
    private let notifier: ReminderNotifier
    private let tokens: PushTokens

    /// - Parameters:
    ///   - app: the core's app, for registering the token with the RA.
    ///   - notifier: the app's notifications.
    ///   - tokens: where the token waits until the RA has it.
    public init(app: App, notifier: ReminderNotifier, tokens: PushTokens = PushTokens()) {
        self.app = app
        self.notifier = notifier
        self.tokens = tokens
    }

    /// A notification's `userInfo`: shows the reminder it carries and
    /// returns it, or returns nil when the payload was dropped.
    @discardableResult
    public func onNotification(_ userInfo: [AnyHashable: Any]) -> ReminderInfo? {
        guard let json = PushPayload.json(from: userInfo) else {
            log("a push was dropped: not a JSON object (\(userInfo.count) fields)")
            return nil
        }
        let reminder: ReminderInfo
        do {
            reminder = try reminderFromPush(payload: json)
        } catch let error as QoltanbaError {
            log("a push was dropped: \(errorCode(error: error)) (\(userInfo.count) fields)")
            return nil
        } catch {
            log("a push was dropped: \(type(of: error))")
            return nil
        }
        notifier.show(reminder)
        return reminder
    }

    /// `application(_:didRegisterForRemoteNotificationsWithDeviceToken:)`:
    /// the token, as the hex the RA takes, kept until `registerWithRa`.
    public func onToken(_ token: Data) {
        tokens.changed(Self.hex(token))
    }

    /// An APNs device token as lower-case hex.
    public static func hex(_ token: Data) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(token.count * 2)
        for byte in token {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return out
    }

    /// Gives the RA the push token if it does not have it yet, for notices
    /// in `locale` (BCP 47), through a logged-in `session`; the device left
    /// registered before under an older token is removed first. Returns the
    /// device's id at the RA, or nil when there is no token yet.
    ///
    /// - Throws: `QoltanbaError` when the RA refuses or is out of reach (the
    ///   token stays waiting for the next try).
    public func registerWithRa(session: RaSession, locale: String) async throws -> Int64? {
        guard let token = tokens.token() else { return nil }
        if !tokens.needsRegistration() { return tokens.deviceId() }
        if let old = tokens.deviceId() {
            do {
                try await app.unregisterDevice(session: session, deviceId: old)
            } catch let error as QoltanbaError {
                // The old registration may be gone already; the new one matters.
                log("the old device registration was not removed: \(errorCode(error: error))")
            }
        }
        let id = try await app.registerDevice(session: session, platform: Self.platform, token: token, locale: locale)
        tokens.registered(id)
        return id
    }
}
