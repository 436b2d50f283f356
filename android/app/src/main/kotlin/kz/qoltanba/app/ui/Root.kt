package kz.qoltanba.app.ui

import androidx.activity.compose.BackHandler
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.key
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.viewmodel.compose.LocalViewModelStoreOwner
import kz.qoltanba.app.R
import kz.qoltanba.app.Services
import kz.qoltanba.app.Startup
import kz.qoltanba.app.nav.Navigator
import kz.qoltanba.app.nav.Screen
import kz.qoltanba.app.ui.applications.ApplicationsScreen
import kz.qoltanba.app.ui.credentials.CredentialsScreen
import kz.qoltanba.app.ui.documents.DocumentsScreen
import kz.qoltanba.app.ui.keys.KeysScreen
import kz.qoltanba.app.ui.menu.MenuScreen
import kz.qoltanba.app.ui.renew.RenewScreen
import kz.qoltanba.app.ui.revoke.RevokeScreen
import kz.qoltanba.app.ui.settings.SettingsScreen

/** The core and the shell's helpers, for every screen. */
val LocalServices = staticCompositionLocalOf<Services> { error("no Services: the core did not open") }

/** Whether the phone has NFC at all (a card screen says so when not). */
val LocalNfcPresent = staticCompositionLocalOf { true }

/**
 * The app: the screen on top of the back stack, each with its own
 * ViewModels; or, when the core did not open, why.
 */
@Composable
fun QoltanbaRoot(startup: Startup, navigator: Navigator, nfcPresent: Boolean, onExit: () -> Unit) {
    QoltanbaTheme {
        when (startup) {
            is Startup.Ready -> CompositionLocalProvider(
                LocalServices provides startup.services,
                LocalNfcPresent provides nfcPresent,
            ) {
                BackHandler { if (!navigator.back()) onExit() }
                val entry = navigator.current
                // key: a new entry is a new composition, even of the same screen type.
                key(entry.id) {
                    CompositionLocalProvider(LocalViewModelStoreOwner provides entry) {
                        ScreenOf(entry.screen, navigator)
                    }
                }
            }
            Startup.NotConfigured -> ScreenScaffold(stringResource(R.string.app_name), onBack = null) {
                Text(stringResource(R.string.not_configured), style = MaterialTheme.typography.bodyLarge)
            }
            is Startup.Failed -> ScreenScaffold(stringResource(R.string.app_name), onBack = null) {
                Text(startup.message, style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.error)
            }
        }
    }
}

@Composable
private fun ScreenOf(screen: Screen, navigator: Navigator) {
    val back = { navigator.back(); Unit }
    when (screen) {
        Screen.Menu -> MenuScreen(open = navigator::open)
        Screen.Keys -> KeysScreen(open = navigator::open, onBack = back)
        is Screen.Renew -> RenewScreen(screen.serial, onBack = back, onFinished = { navigator.openFromMenu(Screen.Keys) })
        Screen.Applications -> ApplicationsScreen(open = navigator::open, onBack = back)
        is Screen.Revoke -> RevokeScreen(screen.serial, onBack = back)
        is Screen.Credentials -> CredentialsScreen(screen.serial, screen.action, onBack = back)
        is Screen.Documents -> DocumentsScreen(screen.serial, onBack = back)
        Screen.Settings -> SettingsScreen(onBack = back)
    }
}
