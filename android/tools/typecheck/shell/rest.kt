// STAND-IN FOR :shell (see nfc.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package kz.qoltanba.shell.push

import kz.qoltanba.core.App
import kz.qoltanba.shell.reminders.ReminderNotifier

class PushHandler(app: App, notifier: ReminderNotifier) {
    fun onMessage(data: Map<String, String>) {}
    fun onNewToken(token: String) {}
}
