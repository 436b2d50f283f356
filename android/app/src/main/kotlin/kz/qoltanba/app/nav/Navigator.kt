package kz.qoltanba.app.nav

import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.snapshots.SnapshotStateList
import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelStore
import androidx.lifecycle.ViewModelStoreOwner
import kz.qoltanba.core.device.KeyAction
import kz.qoltanba.core.device.MenuItem

/** A place in the app: the cabinet's menu and one screen per menu item. */
sealed interface Screen {
    data object Menu : Screen
    data object Keys : Screen
    /** The renewal; [serial] a key from the keys list or a deep link, else the citizen picks one. */
    data class Renew(val serial: String? = null) : Screen
    data object Applications : Screen
    data class Revoke(val serial: String? = null) : Screen
    /** Password, PIN and unblock; [action] one of the key's actions. */
    data class Credentials(val serial: String? = null, val action: KeyAction? = null) : Screen
    data class Documents(val serial: String? = null) : Screen
    data object Settings : Screen

    companion object {
        /** The screen of a menu item as the core lists it. */
        fun of(item: MenuItem): Screen = when (item) {
            MenuItem.KEYS -> Keys
            MenuItem.RENEW -> Renew()
            MenuItem.APPLICATIONS -> Applications
            MenuItem.REVOKE -> Revoke()
            MenuItem.CREDENTIALS -> Credentials()
            MenuItem.DOCUMENTS -> Documents()
            MenuItem.SETTINGS -> Settings
        }
    }
}

/**
 * One screen on the back stack with its own ViewModels, cleared when it
 * leaves the stack (a renewal's state lives as long as its screen, and
 * survives rotation with it).
 */
class Entry(val id: Long, val screen: Screen) : ViewModelStoreOwner {
    override val viewModelStore: ViewModelStore = ViewModelStore()
}

/** The back stack; one per activity, kept across configuration changes. */
class Navigator : ViewModel() {
    private var nextId = 0L
    val stack: SnapshotStateList<Entry> = mutableStateListOf(entry(Screen.Menu))

    val current: Entry get() = stack.last()

    fun open(screen: Screen) {
        stack.add(entry(screen))
    }

    /** Back: false at the menu (the activity finishes). */
    fun back(): Boolean {
        if (stack.size <= 1) return false
        stack.removeAt(stack.lastIndex).viewModelStore.clear()
        return true
    }

    /** The menu, then [screen] (a deep link or a notification tap). */
    fun openFromMenu(screen: Screen) {
        while (stack.size > 1) stack.removeAt(stack.lastIndex).viewModelStore.clear()
        if (screen != Screen.Menu) open(screen)
    }

    override fun onCleared() {
        stack.forEach { it.viewModelStore.clear() }
    }

    private fun entry(screen: Screen) = Entry(nextId++, screen)
}
