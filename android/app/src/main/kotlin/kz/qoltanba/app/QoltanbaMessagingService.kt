package kz.qoltanba.app

import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

/**
 * FCM: the RA's expiry notices arrive as data messages; the shell's
 * PushHandler hands the payload to the core (reminderFromPush) and shows the
 * reminder through [ReminderNotifications]. A new token goes to the same
 * handler, which registers it with the RA at the next login (Settings).
 */
class QoltanbaMessagingService : FirebaseMessagingService() {
    override fun onMessageReceived(message: RemoteMessage) {
        applicationContext.services?.push?.onMessage(message.data)
    }

    override fun onNewToken(token: String) {
        applicationContext.services?.push?.onNewToken(token)
    }
}
