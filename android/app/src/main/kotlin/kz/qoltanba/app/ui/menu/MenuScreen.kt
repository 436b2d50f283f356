package kz.qoltanba.app.ui.menu

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.launch
import kz.qoltanba.app.R
import kz.qoltanba.app.Services
import kz.qoltanba.app.nav.Screen
import kz.qoltanba.app.ui.ScreenModel
import kz.qoltanba.app.ui.ScreenScaffold
import kz.qoltanba.app.ui.Tags
import kz.qoltanba.app.ui.screenModel
import kz.qoltanba.core.device.CabinetEvent
import kz.qoltanba.core.device.CabinetListener
import kz.qoltanba.core.device.MenuEntry
import kz.qoltanba.core.menuItemText

/** The cabinet's menu as the core presents it: its items, in its order and words, enabled as it says. */
class MenuModel(services: Services) : ScreenModel(services) {
    var entries by mutableStateOf<List<MenuEntry>>(emptyList())
        private set
    private val listener = object : CabinetListener {
        override fun changed(event: CabinetEvent) {
            viewModelScope.launch { refresh() }
        }
    }
    private val listenerId = services.app.addListener(listener)

    init {
        refresh()
    }

    fun refresh() {
        entries = services.app.menu()
    }

    override fun onCleared() {
        services.app.removeListener(listenerId)
    }
}

@Composable
fun MenuScreen(open: (Screen) -> Unit) {
    val model = screenModel { MenuModel(it) }
    // Back from a screen: what is enabled may have changed (a key imported).
    LaunchedEffect(Unit) { model.refresh() }
    ScreenScaffold(stringResource(R.string.app_name), onBack = null) {
        Text(stringResource(R.string.menu_intro), style = MaterialTheme.typography.bodyLarge)
        model.entries.forEach { entry ->
            FilledTonalButton(
                onClick = { open(Screen.of(entry.item)) },
                enabled = entry.enabled,
                modifier = Modifier
                    .fillMaxWidth()
                    .heightIn(min = 56.dp)
                    .testTag(Tags.MENU_PREFIX + entry.item.name),
            ) {
                Text(menuItemText(entry.item), style = MaterialTheme.typography.titleMedium)
            }
        }
    }
}
