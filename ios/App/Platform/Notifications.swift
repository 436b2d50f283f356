import Foundation
import Qoltanba
import QoltanbaShell
import UserNotifications

/// The core's expiry reminders on UNUserNotificationCenter: the shell's
/// `Reminders` decides what to schedule, cancel and show from the core's plan;
/// this schedules each upcoming one with a UNCalendarNotificationTrigger and
/// shows the due ones now. The request's identifier is the reminder's id, so a
/// reminder planned again replaces itself, and the same reminder from APNs
/// (same id from the core) is not shown twice. Every notification carries the
/// core's deep link (`userInfo["deepLink"]`); a tap opens the renewal of that key.
final class NotificationReminders: ReminderCalendar, ReminderNotifier {
    static let deepLinkKey = "deepLink"
    private let center = UNUserNotificationCenter.current()
    private let defaults = UserDefaults.standard
    private let scheduledKey = "qoltanba.reminders.scheduled"
    private let lock = NSLock()

    /// For APNs notices: the system shows the push itself, so the local
    /// reminder of the same id that is still pending is dropped instead.
    lazy var pushNotifier: ReminderNotifier = PushedReminders(owner: self)

    // MARK: ReminderCalendar

    func schedule(_ r: ReminderInfo) {
        let components = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second], from: r.fireAt)
        let trigger = UNCalendarNotificationTrigger(dateMatching: components, repeats: false)
        center.add(UNNotificationRequest(identifier: r.id, content: content(r), trigger: trigger))
        updateScheduled { $0.insert(r.id) }
    }

    func cancel(ids: [String]) {
        center.removePendingNotificationRequests(withIdentifiers: ids)
        // A reminder the plan dropped (the key was renewed or revoked) is
        // stale in the notification list too.
        center.removeDeliveredNotifications(withIdentifiers: ids)
        updateScheduled { $0.subtract(ids) }
    }

    /// The ids scheduled before: UNUserNotificationCenter answers only
    /// asynchronously, so they are recorded here and brought in line with the
    /// system's pending requests by `syncWithSystem` before each re-plan.
    func scheduledIds() -> Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return Set(defaults.stringArray(forKey: scheduledKey) ?? [])
    }

    // MARK: ReminderNotifier

    func show(_ reminder: ReminderInfo) {
        // No trigger: now. The same identifier replaces a delivered one.
        center.add(UNNotificationRequest(identifier: reminder.id, content: content(reminder), trigger: nil))
    }

    /// Keeps the record of scheduled ids to what is still pending (a fired
    /// reminder is no longer pending), then runs `then`.
    func syncWithSystem(then: @escaping () -> Void) {
        center.getPendingNotificationRequests { [weak self] pending in
            guard let self else { return }
            let ids = Set(pending.map(\.identifier))
            self.updateScheduled { $0.formIntersection(ids) }
            DispatchQueue.main.async(execute: then)
        }
    }

    /// Asks the citizen to allow notifications (Settings); `done(allowed)` on the main queue.
    func requestPermission(_ done: @escaping (Bool) -> Void) {
        center.requestAuthorization(options: [.alert, .sound, .badge]) { granted, _ in
            DispatchQueue.main.async { done(granted) }
        }
    }

    /// Whether the citizen lets the app show notifications.
    func allowed(_ done: @escaping (Bool) -> Void) {
        center.getNotificationSettings { settings in
            let ok = settings.authorizationStatus == .authorized || settings.authorizationStatus == .provisional
            DispatchQueue.main.async { done(ok) }
        }
    }

    fileprivate func dropPending(_ id: String) {
        center.removePendingNotificationRequests(withIdentifiers: [id])
        updateScheduled { $0.remove(id) }
    }

    private func content(_ r: ReminderInfo) -> UNMutableNotificationContent {
        let content = UNMutableNotificationContent()
        content.title = r.title
        content.body = r.body
        content.sound = .default
        content.threadIdentifier = r.serial
        content.userInfo = [Self.deepLinkKey: r.deepLink]
        return content
    }

    private func updateScheduled(_ change: (inout Set<String>) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        var ids = Set(defaults.stringArray(forKey: scheduledKey) ?? [])
        change(&ids)
        defaults.set(ids.sorted(), forKey: scheduledKey)
    }
}

/// The notifier the shell's PushHandler is given: a push the system already
/// shows replaces the pending local reminder of the same id.
private final class PushedReminders: ReminderNotifier {
    private weak var owner: NotificationReminders?

    init(owner: NotificationReminders) {
        self.owner = owner
    }

    func show(_ reminder: ReminderInfo) {
        owner?.dropPending(reminder.id)
    }
}
