package kz.qoltanba.shell.push

import android.util.Log
import kz.qoltanba.core.App
import kz.qoltanba.core.QoltanbaException
import kz.qoltanba.core.RaSession
import kz.qoltanba.core.ReminderInfo
import kz.qoltanba.core.errorCode
import kz.qoltanba.core.reminderFromPush
import kz.qoltanba.shell.reminders.ReminderNotifier

/**
 * What the app's FCM service (`FirebaseMessagingService`) hands over: the
 * RA's expiry notices and the device's push token.
 *
 * A notice is read by the core (`reminderFromPush`), which checks it and
 * makes the same [ReminderInfo] as the local reminder for the same moment
 * (same id, so the notification replaces rather than duplicates), with the
 * core's words and deep link; [notifier] shows it. A payload the core does
 * not accept (another sender, another version, damaged) is dropped with a
 * log line that names the error code, never the payload.
 *
 * @param app the core's app, for registering the push token with the RA.
 * @param notifier the app's notifications.
 * @param tokens where the token waits until the RA has it; null: the app
 *   registers tokens itself.
 */
class PushHandler(
    private val app: App,
    private val notifier: ReminderNotifier,
    private val tokens: PushTokens? = null,
) {
    /**
     * FCM's `RemoteMessage.data`: shows the reminder it carries and returns
     * it, or returns null when the payload was dropped.
     */
    fun onMessage(data: Map<String, String>): ReminderInfo? {
        val reminder = try {
            reminderFromPush(PushPayload.toJson(data).toByteArray(Charsets.UTF_8))
        } catch (e: QoltanbaException) {
            Log.w(TAG, "a push message was dropped: ${errorCode(e)} (${data.size} fields)")
            return null
        }
        notifier.show(reminder)
        return reminder
    }

    /** FCM's `onNewToken`: kept until [registerWithRa] gives it to the RA. */
    fun onNewToken(token: String) {
        tokens?.changed(token) ?: Log.i(TAG, "a new push token, and no token store: the app registers it")
    }

    /**
     * Gives the RA the push token if it does not have it yet, for notices in
     * [locale] (BCP 47), through a logged-in [session]; the device id left
     * registered before under an older token is removed first. Returns the
     * device's id at the RA, or null when there is no token yet.
     *
     * @throws QoltanbaException when the RA refuses or is out of reach (the
     *   token stays waiting for the next try).
     */
    suspend fun registerWithRa(session: RaSession, locale: String): Long? {
        val store = tokens ?: return null
        val token = store.token() ?: return null
        if (!store.needsRegistration()) return store.deviceId()
        store.deviceId()?.let { old ->
            try {
                app.unregisterDevice(session, old)
            } catch (e: QoltanbaException) {
                // The old registration may be gone already; the new one matters.
                Log.i(TAG, "the old device registration was not removed: ${errorCode(e)}")
            }
        }
        val id = app.registerDevice(session, PLATFORM, token, locale)
        store.registered(id)
        return id
    }

    private companion object {
        const val TAG = "qoltanba.push"

        /** The RA's name for an FCM device. */
        const val PLATFORM = "android"
    }
}
