package kz.qoltanba.app

import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import kz.qoltanba.shell.push.PushTokens

/**
 * FCM: the RA's expiry notices arrive as data messages; the shell's
 * PushHandler hands the payload to the core (reminderFromPush) and shows the
 * reminder through [ReminderNotifications]. A new token goes to the same
 * handler, which keeps it (PushTokens) until it registers it with the RA at
 * the next login (Settings).
 */
class QoltanbaMessagingService : FirebaseMessagingService() {
    override fun onMessageReceived(message: RemoteMessage) {
        applicationContext.services?.push?.onMessage(message.data)
    }

    override fun onNewToken(token: String) {
        // FCM hands the token once (and again only when it changes): kept even
        // when the core did not open, for the login after it does.
        val push = applicationContext.services?.push
        if (push != null) push.onNewToken(token) else PushTokens(applicationContext).changed(token)
    }
}
