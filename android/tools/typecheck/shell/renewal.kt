// STAND-IN FOR :shell (see nfc.kt). resumeWithKeyFiles, resumeWithCard and
// resumeIntoKeystore are the app's reading of the contract's
// `resume(renewalId, ...)`: ui/renew/JourneyResume.kt is the one call site.
@file:Suppress("unused", "UNUSED_PARAMETER")
package kz.qoltanba.shell.renewal

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.StateFlow
import kz.qoltanba.core.App
import kz.qoltanba.core.CardRenewal
import kz.qoltanba.core.CardTransport
import kz.qoltanba.core.KeyFileRenewal
import kz.qoltanba.core.KeystoreRenewal
import kz.qoltanba.core.PlatformKeys
import kz.qoltanba.core.RenewalSummary
import kz.qoltanba.core.device.RenewalStep
import kz.qoltanba.core.device.Review

sealed interface JourneyScreen {
    data object Idle : JourneyScreen
    data class Working(val step: RenewalStep, val text: String) : JourneyScreen
    data class Review(val review: kz.qoltanba.core.device.Review) : JourneyScreen
    data class Code(val application: Long, val wrongBefore: Boolean) : JourneyScreen
    data class TapCard(val lost: Boolean) : JourneyScreen
    data object Unlock : JourneyScreen
    data class Done(val summary: RenewalSummary) : JourneyScreen
    data object Declined : JourneyScreen
    data class Failed(val message: String, val code: String, val canRetry: Boolean) : JourneyScreen
}

class RenewalJourney(app: App, cards: suspend () -> CardTransport, scope: CoroutineScope) {
    val screen: StateFlow<JourneyScreen> get() = throw UnsupportedOperationException()
    fun startWithKeyFiles(request: KeyFileRenewal) {}
    fun startWithCard(request: CardRenewal, can: String?, pin: String) {}
    fun startIntoKeystore(keystore: PlatformKeys, request: KeystoreRenewal) {}
    fun resumeWithKeyFiles(renewalId: Long, password: String, newPassword: String) {}
    fun resumeWithCard(renewalId: Long, can: String?, pin: String) {}
    fun resumeIntoKeystore(renewalId: Long, keystore: PlatformKeys, password: String?) {}
    fun confirmReview() {}
    fun declineReview() {}
    fun submitCode(code: String) {}
    fun unlocked() {}
    fun cancel() {}
}
