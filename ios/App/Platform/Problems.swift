import Foundation
import Qoltanba

extension QoltanbaError {
    /// The core's one line for the citizen: what is wrong and what to do, in
    /// the language of setLocale. Every variant carries it as `detail` (a
    /// variant added later must be added here: the switch is exhaustive).
    var citizenText: String {
        switch self {
        case let .WrongPassword(detail): return detail
        case let .WrongPin(_, detail): return detail
        case let .PinBlocked(detail): return detail
        case let .WrongCan(detail): return detail
        case let .CardLost(detail): return detail
        case let .WrongCode(detail): return detail
        case let .RaUnreachable(detail): return detail
        case let .RaRefused(_, detail): return detail
        case let .InvalidInput(detail): return detail
        case let .KeyFile(detail): return detail
        case let .Card(detail): return detail
        case let .RenewalFailed(detail): return detail
        case let .UserNotAuthenticated(detail): return detail
        case let .Keystore(detail): return detail
        case let .Cancelled(detail): return detail
        case let .Storage(detail): return detail
        case let .Internal(detail): return detail
        }
    }
}

/// What a screen shows when something failed: the core's words, or one of the
/// app's own (a file that could not be read) by key.
enum Problem: Equatable {
    case core(String)
    case app(key: String)

    var text: String {
        switch self {
        case let .core(text): return text
        case let .app(key): return tr(key)
        }
    }

    /// A failure as the citizen sees it; nil when the citizen stopped it
    /// (the NFC sheet's Cancel, leaving the screen): nothing to explain.
    static func of(_ error: Error) -> Problem? {
        switch error {
        case let error as QoltanbaError: return .core(error.citizenText)
        case CardGateError.cancelled, is CancellationError: return nil
        case CardGateError.nfcUnavailable: return .app(key: "nfc_missing")
        case is CocoaError: return .app(key: "error_file")
        default: return .app(key: "error_unexpected")
        }
    }
}
