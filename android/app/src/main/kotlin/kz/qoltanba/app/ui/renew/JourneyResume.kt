package kz.qoltanba.app.ui.renew

import kz.qoltanba.app.Services
import kz.qoltanba.app.ui.KeySecrets
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.pki.KeyStorage
import kz.qoltanba.shell.renewal.JourneyKeys
import kz.qoltanba.shell.renewal.RenewalJourney

/**
 * Continues renewal [renewalId] of [key] with the secrets given again (the
 * core never stores them): the one place the app calls the journey's resume,
 * per where the current keys live.
 */
fun resumeJourney(
    journey: RenewalJourney,
    services: Services,
    key: CitizenKey,
    renewalId: Long,
    secrets: KeySecrets,
    newPassword: String,
    home: NewKeysHome,
) {
    when (key.storage) {
        KeyStorage.FILE -> when (home) {
            NewKeysHome.FILES -> journey.resume(renewalId, JourneyKeys.KeyFiles(secrets.password, newPassword))
            NewKeysHome.KEYSTORE -> journey.resume(renewalId, JourneyKeys.Keystore(services.keystore(), secrets.password))
        }
        KeyStorage.ID_CARD -> journey.resume(renewalId, JourneyKeys.Card(secrets.can, secrets.pin))
        KeyStorage.PLATFORM_KEYSTORE ->
            journey.resume(renewalId, JourneyKeys.Keystore(services.keystore(), secrets.password.ifEmpty { null }))
        KeyStorage.TOKEN -> Unit
    }
}
