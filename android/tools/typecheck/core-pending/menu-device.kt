// STAND-IN FOR THE LEAD'S CORE ADDITION (android-layout.md: App.menu(),
// MenuEntry, MenuItem in kz.qoltanba.core.device, menuItemText). Used by the
// type-check only while the generated bindings lack them
// (scripts/android-app-typecheck.sh looks); then the real ones are used.
@file:Suppress("unused", "UNUSED_PARAMETER")
package kz.qoltanba.core.device

enum class MenuItem { KEYS, RENEW, APPLICATIONS, REVOKE, CREDENTIALS, DOCUMENTS, SETTINGS }

data class MenuEntry(val item: MenuItem, val enabled: Boolean)
