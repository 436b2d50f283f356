import Foundation
import Qoltanba

/// A place in the app: the cabinet's menu and one screen per menu item.
enum Screen: Equatable {
    case menu
    case keys
    /// The renewal; `serial` a key from the keys list or a deep link, else the citizen picks one.
    case renew(serial: String?)
    case applications
    case revoke(serial: String?)
    /// Password, PIN and unblock; `action` one of the key's actions.
    case credentials(serial: String?, action: KeyAction?)
    case documents(serial: String?)
    case settings

    /// The screen of a menu item as the core lists it.
    static func of(_ item: MenuItem) -> Screen {
        switch item {
        case .keys: return .keys
        case .renew: return .renew(serial: nil)
        case .applications: return .applications
        case .revoke: return .revoke(serial: nil)
        case .credentials: return .credentials(serial: nil, action: nil)
        case .documents: return .documents(serial: nil)
        case .settings: return .settings
        }
    }

    /// Where each of the core's actions on a key leads.
    static func of(_ action: KeyAction, key: CitizenKey) -> Screen {
        switch action {
        case .renew, .resumeRenewal: return .renew(serial: key.serial)
        case .signDocument: return .documents(serial: key.serial)
        case .revoke: return .revoke(serial: key.serial)
        case .changePassword, .changePin, .unblockPin: return .credentials(serial: key.serial, action: action)
        }
    }
}

/// One screen on the stack with its model, made on first show and closed when
/// the entry leaves the stack (a renewal lives as long as its screen, also
/// while another screen is on top).
final class Entry: Identifiable {
    let id: Int
    let screen: Screen
    fileprivate(set) var model: ScreenModel?

    init(id: Int, screen: Screen) {
        self.id = id
        self.screen = screen
    }

    /// The entry's model, made by `make` the first time.
    @MainActor
    func model<M: ScreenModel>(_ make: () -> M) -> M {
        if let model = model as? M { return model }
        let made = make()
        model = made
        return made
    }
}

/// The back stack of the one window.
@MainActor
final class Navigator: ObservableObject {
    @Published private(set) var stack: [Entry]
    private var nextId = 1

    init() {
        stack = [Entry(id: 0, screen: .menu)]
    }

    var current: Entry { stack[stack.count - 1] }
    var canGoBack: Bool { stack.count > 1 }

    func open(_ screen: Screen) {
        stack.append(Entry(id: nextId, screen: screen))
        nextId += 1
    }

    func back() {
        guard stack.count > 1 else { return }
        stack.removeLast().model?.close()
    }

    /// The menu, then `screen` (a deep link or a notification tap).
    func openFromMenu(_ screen: Screen) {
        while stack.count > 1 { stack.removeLast().model?.close() }
        if screen != .menu { open(screen) }
    }
}
