package kz.qoltanba.app.ui.renew

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kz.qoltanba.app.Problem
import kz.qoltanba.app.toProblem
import kz.qoltanba.app.R
import kz.qoltanba.app.Services
import kz.qoltanba.app.ui.KeySecrets
import kz.qoltanba.app.ui.ScreenModel
import kz.qoltanba.app.ui.rememberCanAsChosen
import kz.qoltanba.core.CardRenewal
import kz.qoltanba.core.KeyFileRenewal
import kz.qoltanba.core.KeystoreRenewal
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.device.KeyAction
import kz.qoltanba.core.device.KeyStatus
import kz.qoltanba.core.pki.KeyStorage
import kz.qoltanba.shell.renewal.JourneyScreen
import kz.qoltanba.shell.renewal.RenewalJourney

/** Where the new keys of a key-file renewal go: key files again, or the phone's keystore. */
enum class NewKeysHome { FILES, KEYSTORE }

/**
 * The renewal of one key: the citizen picks it (or a deep link names it),
 * gives what opens it and what the application needs, then the shell's
 * RenewalJourney drives the core: the review, the code, the card taps, the
 * unlock, the result. The journey lives as long as this screen.
 */
class RenewModel(services: Services, private val serial: String?) : ScreenModel(services) {
    val journey = RenewalJourney(services.app, services.cards::next, viewModelScope)
    val screen: StateFlow<JourneyScreen> get() = journey.screen

    /** The keys the core lets renew (or resume), when none was named. */
    var candidates by mutableStateOf<List<CitizenKey>>(emptyList())
        private set
    var key by mutableStateOf<CitizenKey?>(null)
        private set
    /** Whether the journey's screens show (after start, until [startOver]). */
    var journeyShown by mutableStateOf(false)
        private set

    val secrets = KeySecrets(services.canStore.remembered())
    var newPassword by mutableStateOf("")
    var newPasswordAgain by mutableStateOf("")
    var email by mutableStateOf("")
    var locality by mutableStateOf("")
    var home by mutableStateOf(NewKeysHome.FILES)
    private var canConsentPending = false

    init {
        viewModelScope.launch { load() }
    }

    private suspend fun load() {
        val keys = withContext(Dispatchers.IO) { services.app.citizenKeys() }
        val renewable = keys.filter { KeyAction.RENEW in it.actions || KeyAction.RESUME_RENEWAL in it.actions }
        candidates = renewable
        key = serial?.let { s -> keys.firstOrNull { it.serial == s } }
        if (serial != null && key == null) problem = Problem.App(R.string.renew_key_unknown)
    }

    fun pick(chosen: CitizenKey) {
        key = chosen
    }

    /** A renewal of this key is under way: the citizen continues it. */
    val resuming: Long?
        get() = (key?.status as? KeyStatus.Renewing)?.renewalId

    fun start() {
        val key = key ?: return
        if (key.storage == KeyStorage.FILE && home == NewKeysHome.FILES && newPassword != newPasswordAgain) {
            problem = Problem.App(R.string.passwords_differ)
            return
        }
        problem = null
        val renewalId = resuming
        if (renewalId != null) {
            showJourney(key)
            resumeJourney(journey, services, key, renewalId, secrets, newPassword, home)
            return
        }
        viewModelScope.launch {
            // Which keys renew together is the core's rule (the key and its
            // partner of the other purpose in the same storage).
            val together = try {
                withContext(Dispatchers.IO) { services.app.renewalSet(key.serial) }
            } catch (e: Exception) {
                problem = e.toProblem()
                return@launch
            }
            showJourney(key)
            begin(key, together)
        }
    }

    private fun showJourney(key: CitizenKey) {
        canConsentPending = key.storage == KeyStorage.ID_CARD
        journeyShown = true
    }

    private fun begin(key: CitizenKey, together: List<CitizenKey>) {
        when (key.storage) {
            KeyStorage.FILE -> {
                val files = together.map { it.location.removePrefix(FILE_PREFIX) }
                if (home == NewKeysHome.FILES) {
                    journey.startWithKeyFiles(
                        KeyFileRenewal(files, secrets.password, newPassword, email.trim(), locality.trim(), services.keyFilesDir.path),
                    )
                } else {
                    journey.startIntoKeystore(services.keystore(), KeystoreRenewal(files, secrets.password, email.trim(), locality.trim()))
                }
            }
            KeyStorage.ID_CARD -> journey.startWithCard(
                CardRenewal(email.trim(), locality.trim(), services.cardCertificatesDir.path),
                secrets.can,
                secrets.pin,
            )
            KeyStorage.PLATFORM_KEYSTORE -> {
                journey.startIntoKeystore(
                    services.keystore(),
                    KeystoreRenewal(together.map { it.location }, null, email.trim(), locality.trim()),
                )
            }
            KeyStorage.TOKEN -> {
                journeyShown = false
                problem = Problem.App(R.string.token_not_on_phone)
            }
        }
    }

    /** The journey's state changed: the CAN worked once the card was read (kept only with consent). */
    fun onScreen(state: JourneyScreen) {
        if (canConsentPending && (state is JourneyScreen.Review || state is JourneyScreen.Code || state is JourneyScreen.Done)) {
            canConsentPending = false
            services.rememberCanAsChosen(secrets)
        }
        if (state is JourneyScreen.Done) {
            secrets.clear()
            newPassword = ""
            newPasswordAgain = ""
            services.replanReminders()
        }
    }

    /**
     * After a failure the same call cannot mend (a wrong PIN, password or
     * CAN): the form again, with the key as the core sees it now.
     */
    fun startOver() {
        journeyShown = false
        viewModelScope.launch {
            val serial = key?.serial
            load()
            key = withContext(Dispatchers.IO) { services.app.citizenKeys() }.firstOrNull { it.serial == serial }
        }
    }

    override fun onCleared() {
        journey.cancel()
    }

    companion object {
        /** The core's location of a key file: file:<path>. */
        const val FILE_PREFIX = "file:"
    }
}
