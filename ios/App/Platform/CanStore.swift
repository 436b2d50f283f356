import Foundation
import Security

/// The ID card's CAN, kept only when the citizen ticks the consent: one
/// generic-password item in the data-protection keychain, readable only on
/// this device while it is unlocked (never in backups). The Android app seals
/// it with an AndroidKeyStore key; the keychain is iOS's equivalent.
final class CanStore {
    private let service = "kz.qoltanba.app.can"
    private let account = "can"

    /// The remembered CAN, or nil.
    func remembered() -> String? {
        var query = base()
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess, let data = item as? Data else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// Keeps `can` (after the card accepted it), replacing any earlier one.
    func remember(_ can: String) {
        forget()
        var item = base()
        item[kSecValueData as String] = Data(can.utf8)
        item[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        // A CAN that cannot be kept is typed again next time: nothing more to do.
        _ = SecItemAdd(item as CFDictionary, nil)
    }

    func forget() {
        _ = SecItemDelete(base() as CFDictionary)
    }

    private func base() -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecUseDataProtectionKeychain as String: true,
        ]
    }
}
