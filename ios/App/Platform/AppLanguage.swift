import Foundation
import QoltanbaShell

/// The app's language: kk, ru or en, following the system unless the citizen
/// chose one in Settings (kept in UserDefaults). The app's own words come from
/// the chosen `.lproj` through `tr`; the core is told the same language
/// (the shell's `Language.apply`, i.e. `setLocale`) for its words: errors,
/// statuses, the review, reminders.
final class AppLanguage: ObservableObject {
    static let shared = AppLanguage()
    private static let chosenKey = "qoltanba.language"

    /// The languages offered in Settings: the shell's (the core's) list.
    let offered: [String] = Language.supported

    /// The language shown now (a tag of `offered`).
    @Published private(set) var tag: String
    /// The bundle of that language's string tables.
    private(set) var bundle: Bundle

    private init() {
        let tag = Language.pick(systemTags: Locale.preferredLanguages, chosen: UserDefaults.standard.string(forKey: Self.chosenKey))
        self.tag = tag
        bundle = Self.bundle(for: tag)
    }

    /// The citizen's choice, or nil when the app follows the system.
    var chosen: String? { UserDefaults.standard.string(forKey: Self.chosenKey) }

    /// Tells the core the language shown now (at start, and back in the foreground:
    /// the system's language may have changed meanwhile).
    func applyToCore() {
        let tag = Language.pick(systemTags: Locale.preferredLanguages, chosen: chosen)
        if tag != self.tag {
            self.tag = tag
            bundle = Self.bundle(for: tag)
        }
        Language.apply(tag)
    }

    /// The citizen's choice: a tag of `offered`, or nil for the system's.
    /// The screens are drawn again in it (RootView keys on `tag`).
    func choose(_ tag: String?) {
        if let tag { UserDefaults.standard.set(tag, forKey: Self.chosenKey) } else { UserDefaults.standard.removeObject(forKey: Self.chosenKey) }
        applyToCore()
    }

    /// The locale for dates and numbers in the language shown.
    var locale: Locale { Locale(identifier: tag) }

    private static func bundle(for tag: String) -> Bundle {
        guard let path = Bundle.main.path(forResource: tag, ofType: "lproj"), let bundle = Bundle(path: path) else { return .main }
        return bundle
    }
}

/// One of the app's own words (Resources/<lang>.lproj/Localizable.strings) in
/// the language shown, formatted with `arguments` (`%1$@` strings, `%1$ld` Int).
/// scripts/ios-resources-check.py checks that every key used is in all three tables.
func tr(_ key: String, _ arguments: CVarArg...) -> String {
    let language = AppLanguage.shared
    let format = language.bundle.localizedString(forKey: key, value: nil, table: nil)
    return arguments.isEmpty ? format : String(format: format, locale: language.locale, arguments: arguments)
}

/// A date in the language shown (medium style, the phone's time zone).
func formatDate(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = AppLanguage.shared.locale
    formatter.dateStyle = .medium
    formatter.timeStyle = .none
    return formatter.string(from: date)
}
