package kz.qoltanba.app

import android.content.Intent
import android.nfc.NfcAdapter
import android.os.Bundle
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import androidx.appcompat.app.AppCompatActivity
import androidx.lifecycle.lifecycleScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kz.qoltanba.app.nav.Navigator
import kz.qoltanba.app.nav.Screen
import kz.qoltanba.app.ui.QoltanbaRoot
import kz.qoltanba.shell.links.DeepLinks
import kz.qoltanba.shell.links.Route
import kz.qoltanba.shell.nfc.CardReader

/**
 * The one activity. AppCompatActivity: per-app languages before Android 13
 * and the FragmentActivity that BiometricPrompt needs. It turns NFC reader
 * mode on while a screen waits for the ID card (CardGate.waiting) and feeds
 * the tags to the shell's CardReader; it lands deep links and notification
 * taps (qoltanba://renew?serial=…) on the renewal of that key.
 */
class MainActivity : AppCompatActivity() {
    private val navigator: Navigator by viewModels()
    private var nfc: NfcAdapter? = null
    private var readerMode: Job? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        nfc = NfcAdapter.getDefaultAdapter(this)
        // The language may have changed while the app was away (the system's
        // per-app setting): the core speaks what the activity shows.
        AppLanguage.applyToCore(this)
        if (savedInstanceState == null) land(intent)
        val startup = (application as QoltanbaApplication).startup
        setContent {
            QoltanbaRoot(startup = startup, navigator = navigator, nfcPresent = nfc != null, onExit = { finish() })
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        land(intent)
    }

    override fun onResume() {
        super.onResume()
        val services = services ?: return
        val adapter = nfc ?: return
        readerMode = lifecycleScope.launch {
            services.cards.waiting.collect { wanted ->
                if (wanted) {
                    adapter.enableReaderMode(this@MainActivity, { tag -> services.cards.reader.onTagDiscovered(tag) }, CardReader.READER_FLAGS, null)
                } else {
                    adapter.disableReaderMode(this@MainActivity)
                    // A card tapped after the last wait ended is not handed to the next one.
                    services.cards.reader.clear()
                }
            }
        }
    }

    override fun onPause() {
        readerMode?.cancel()
        readerMode = null
        nfc?.disableReaderMode(this)
        services?.cards?.reader?.clear()
        super.onPause()
    }

    /** A deep link (from a notification or elsewhere): the renewal of that key. */
    private fun land(intent: Intent?) {
        val viewed = intent?.takeIf { it.action == Intent.ACTION_VIEW } ?: return
        when (val route = DeepLinks.route(viewed)) {
            is Route.Renew -> navigator.openFromMenu(Screen.Renew(route.serial))
            null -> Unit
        }
    }
}
