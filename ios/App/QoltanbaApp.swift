import Qoltanba
import QoltanbaShell
import SwiftUI
import UIKit
import UserNotifications

/// The app: opens the core once for the process (AppDelegate), shows the
/// screen on top of the navigator's stack, and lands deep links
/// (qoltanba://renew?serial=…) on the renewal of that key.
@main
struct QoltanbaApp: SwiftUI.App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            RootView(startup: delegate.startup, navigator: delegate.navigator, language: AppLanguage.shared)
                .onOpenURL { delegate.land(link: $0.absoluteString) }
        }
        .onChange(of: phase) { phase in
            // The system's language may have changed while the app was away.
            if phase == .active { AppLanguage.shared.applyToCore() }
        }
    }
}

/// The process: the language, the core (`Startup`), the reminders, APNs and
/// the notification center's delegate.
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    private(set) var startup: Startup = .notConfigured
    let navigator = Navigator()

    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        AppLanguage.shared.applyToCore()
        #if QOLTANBA_TESTING
        if let embedded = EmbeddedRA.startIfAsked() {
            // A fresh database for each launch: the RA of the last one is gone.
            startup = Startup.open(embedded.ra, root: embedded.root)
            if let services = startup.services { EmbeddedRA.seed(services) }
        } else {
            startup = Startup.open(RegistrationAuthority.fromInfoPlist())
        }
        #else
        startup = Startup.open(RegistrationAuthority.fromInfoPlist())
        #endif
        UNUserNotificationCenter.current().delegate = self
        if let services = startup.services {
            services.replanReminders()
            // The token comes whether or not alerts are allowed; it waits for a login.
            application.registerForRemoteNotifications()
        }
        return true
    }

    // MARK: APNs

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        guard let services = startup.services else { return }
        // Kept (the shell's PushTokens) until a logged-in session registers it with the RA (Settings).
        services.push.onToken(deviceToken)
    }

    func application(_ application: UIApplication, didFailToRegisterForRemoteNotificationsWithError error: Error) {
        // No push (the simulator, no network, no aps-environment): local reminders still fire.
        NSLog("qoltanba: no APNs token: %@", (error as NSError).domain)
    }

    /// A push with content-available: the core checks it; the pending local
    /// reminder of the same id gives way to it.
    func application(_ application: UIApplication, didReceiveRemoteNotification userInfo: [AnyHashable: Any],
                     fetchCompletionHandler completionHandler: @escaping (UIBackgroundFetchResult) -> Void) {
        let reminder = startup.services?.push.onNotification(userInfo)
        completionHandler(reminder == nil ? .noData : .newData)
    }

    // MARK: UNUserNotificationCenterDelegate

    /// In the foreground too: the banner shows (a push checked by the core first).
    func userNotificationCenter(_ center: UNUserNotificationCenter, willPresent notification: UNNotification,
                                withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void) {
        if notification.request.trigger is UNPushNotificationTrigger {
            guard startup.services?.push.onNotification(notification.request.content.userInfo) != nil else {
                // A payload the core refuses is not the RA's: not shown.
                completionHandler([])
                return
            }
        }
        completionHandler([.banner, .list, .sound])
    }

    /// A tap: the renewal of the reminder's key (the core's deep link).
    func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse,
                                withCompletionHandler completionHandler: @escaping () -> Void) {
        let userInfo = response.notification.request.content.userInfo
        let link = (userInfo[NotificationReminders.deepLinkKey] as? String)
            ?? startup.services?.push.onNotification(userInfo)?.deepLink
        if let link {
            DispatchQueue.main.async { self.land(link: link) }
        }
        completionHandler()
    }

    /// A deep link (a notification, a URL): the menu, then the renewal of that key.
    func land(link: String) {
        switch DeepLinks.route(link) {
        case let .renew(serial)?: navigator.openFromMenu(.renew(serial: serial))
        case nil: break
        }
    }
}
