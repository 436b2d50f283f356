import Foundation
import Qoltanba

/// The phone's scheduled local notifications (the app's
/// UNUserNotificationCenter adapter: a `UNCalendarNotificationTrigger` per
/// reminder at its `fireAt`, identified by the reminder's id).
public protocol ReminderCalendar: AnyObject {
    /// Schedules `r` (replacing one with the same id).
    func schedule(_ r: ReminderInfo)
    /// Removes the pending ones with these ids.
    func cancel(ids: [String])
    /// The ids scheduled now.
    func scheduledIds() -> Set<String>
}

/// What to change so the phone's notifications follow a new plan.
public struct ReminderDiff: Equatable {
    /// Ids scheduled before that the plan no longer has.
    public let cancel: [String]
    /// The reminders to schedule (all the plan's upcoming ones: scheduling
    /// again replaces, so a changed time or language is taken up).
    public let schedule: [ReminderInfo]
    /// The reminders due now that were not shown yet.
    public let show: [ReminderInfo]
    /// What is scheduled after the change.
    public let scheduledIds: Set<String>
    /// The due reminders shown so far: keep it for the next diff.
    public let shownIds: Set<String>
}

/// The pure part of reminders: which notifications to schedule, cancel and
/// show, given the core's `ReminderPlan` and what was done before. The core
/// decides what is due and when; this only compares ids.
public enum ReminderScheduler {
    /// The changes from `scheduledBefore` and `shownBefore` to `plan`.
    ///
    /// A due reminder is shown once: while the plan keeps it due, it is not
    /// shown again; ids the plan no longer has are forgotten, so a reminder
    /// that comes back is shown again. A reminder due now is no longer
    /// scheduled.
    public static func diff(plan: ReminderPlan, scheduledBefore: Set<String>, shownBefore: Set<String>) -> ReminderDiff {
        let upcoming = distinct(plan.scheduled)
        let due = distinct(plan.due)
        let upcomingIds = Set(upcoming.map(\.id))
        let dueIds = Set(due.map(\.id))
        let show = due.filter { !shownBefore.contains($0.id) }
        return ReminderDiff(
            cancel: scheduledBefore.filter { !upcomingIds.contains($0) }.sorted(),
            schedule: upcoming,
            show: show,
            scheduledIds: upcomingIds,
            shownIds: shownBefore.intersection(dueIds).union(show.map(\.id))
        )
    }

    private static func distinct(_ reminders: [ReminderInfo]) -> [ReminderInfo] {
        var seen = Set<String>()
        return reminders.filter { seen.insert($0.id).inserted }
    }
}

/// Puts the core's reminder plan on the phone, so reminders fire without the
/// network and without the app running: a local notification per upcoming
/// reminder in `calendar`, the due ones shown through `notifier`, and the
/// ids shown kept in UserDefaults so a due reminder is shown once.
///
/// Re-plan at launch, after every renewal or key import, when the language
/// changes, and when the app comes to the foreground.
public final class Reminders {
    private let calendar: ReminderCalendar
    private let notifier: ReminderNotifier
    private let defaults: UserDefaults
    private let lock = NSLock()
    private static let shown = "kz.qoltanba.shell.reminders.shown"

    public init(calendar: ReminderCalendar, notifier: ReminderNotifier, defaults: UserDefaults = .standard) {
        self.calendar = calendar
        self.notifier = notifier
        self.defaults = defaults
    }

    /// Schedules, cancels and shows what `plan` asks for; returns what was done.
    @discardableResult
    public func replan(_ plan: ReminderPlan) -> ReminderDiff {
        lock.lock()
        let shownBefore = Set(defaults.stringArray(forKey: Self.shown) ?? [])
        let diff = ReminderScheduler.diff(plan: plan, scheduledBefore: calendar.scheduledIds(), shownBefore: shownBefore)
        if !diff.cancel.isEmpty { calendar.cancel(ids: diff.cancel) }
        diff.schedule.forEach(calendar.schedule)
        defaults.set(diff.shownIds.sorted(), forKey: Self.shown)
        lock.unlock()
        diff.show.forEach(notifier.show)
        return diff
    }
}
