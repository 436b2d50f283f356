import Foundation
import Qoltanba

/// Where a deep link leads in the app.
public enum Route: Equatable {
    /// The renewal of the key whose certificate has `serial` (upper-case hex).
    case renew(serial: String)
}

/// The app's deep links (`qoltanba://renew?serial=…`, from a reminder's
/// notification or a link the citizen opened) as `Route`s. The core reads
/// them (`serialFromDeepLink`); a link it does not accept leads nowhere.
public enum DeepLinks {
    /// The route of `url`, or nil (logged without the link) when it is not one of the app's.
    public static func route(_ url: String) -> Route? {
        do {
            return .renew(serial: try serialFromDeepLink(link: url))
        } catch let error as QoltanbaError {
            log("a link that is not the app's was ignored: \(errorCode(error: error))")
        } catch {
            log("a link that is not the app's was ignored: \(type(of: error))")
        }
        return nil
    }
}

/// The app's language: Kazakh, Russian or English, following the phone's
/// languages unless the citizen chose one in the app's settings. The core
/// speaks it from `apply` on (its errors, progress lines, reminders).
public enum Language {
    /// The languages the core has words for, as BCP 47 tags.
    public static let supported: [String] = ["kk", "ru", "en"]

    /// The core's language when nothing matches.
    public static let fallback = "en"

    /// The language to use: `chosen` (the citizen's choice in settings) when
    /// it is supported; otherwise the first of the phone's languages
    /// `systemTags` (BCP 47, in preference order: `Locale.preferredLanguages`)
    /// whose language is supported (`kk-KZ` is `kk`); otherwise `fallback`.
    public static func pick(systemTags: [String], chosen: String?) -> String {
        if let chosen, let language = languageOf(chosen) { return language }
        return systemTags.lazy.compactMap(languageOf).first ?? fallback
    }

    /// Tells the core to speak `tag` from now on.
    public static func apply(_ tag: String) {
        setLocale(tag: tag)
    }

    /// The supported language of a BCP 47 tag (or a POSIX-style `ru_RU`), or nil.
    private static func languageOf(_ tag: String) -> String? {
        let trimmed = tag.trimmingCharacters(in: .whitespaces)
        let language = trimmed.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map { $0.lowercased() } ?? ""
        return supported.contains(language) ? language : nil
    }
}
