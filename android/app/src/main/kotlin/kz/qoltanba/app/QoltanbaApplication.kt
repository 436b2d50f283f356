package kz.qoltanba.app

import android.app.Application
import android.util.Base64
import android.util.Log
import kz.qoltanba.core.App
import kz.qoltanba.core.QoltanbaException
import kz.qoltanba.core.ReminderPlan
import kz.qoltanba.shell.reminders.RemindersHost
import java.io.File

/**
 * The process: loads the core, opens the App (database in filesDir, the RA of
 * this build), creates the notification channel, speaks the citizen's
 * language and replans the local reminders. Every screen and the FCM service
 * reach the core through [services]; the shell's reminder receivers (an
 * alarm, a reboot) through [RemindersHost].
 */
open class QoltanbaApplication : Application(), RemindersHost {
    /** The core and the shell's helpers, or why the app could not start. */
    lateinit var startup: Startup
        private set

    /** The app's notifications: the one notifier of the process (also [Services.notifier]). */
    override val reminderNotifier: ReminderNotifications by lazy { ReminderNotifications(this) }

    /**
     * The core's plan now, for the shell's receivers.
     *
     * @throws QoltanbaException.Internal when the core did not open (the
     *   receivers log it and leave the alarms as they are).
     */
    override fun reminderPlan(): ReminderPlan {
        val services = (startup as? Startup.Ready)?.services
            ?: throw QoltanbaException.Internal("the core did not open: no reminder plan")
        return services.app.reminders(null)
    }

    override fun onCreate() {
        super.onCreate()
        // JNI_OnLoad gives the core the VM, which its Android keystore code
        // needs (docs/bindings.md); JNA then finds the same library loaded.
        System.loadLibrary("qoltanba_ffi")
        ReminderNotifications.createChannels(this)
        AppLanguage.applyToCore(this)
        startup = open()
        (startup as? Startup.Ready)?.services?.replanReminders()
    }

    private fun open(): Startup {
        val ra = registrationAuthority() ?: return Startup.NotConfigured
        return try {
            val database = File(filesDir, "qoltanba.db")
            val app = App.open(database.path, ra.url, ra.rootDer)
            Startup.Ready(Services(this, app, reminderNotifier))
        } catch (e: QoltanbaException) {
            // The citizen sees the core's words; the log has the code only.
            Log.e(TAG, "the core did not open: ${kz.qoltanba.core.errorCode(e)}")
            Startup.Failed(e.citizenText())
        }
    }

    /**
     * The registration authority this build talks to: BuildConfig from the
     * gradle properties qoltanba.raUrl and qoltanba.raRootCertificate, or null
     * when the build has none. The instrumented tests override it with the
     * embedded RA.
     */
    protected open fun registrationAuthority(): RegistrationAuthority? {
        if (BuildConfig.RA_URL.isEmpty() || BuildConfig.RA_ROOT_DER_BASE64.isEmpty()) return null
        return RegistrationAuthority(BuildConfig.RA_URL, Base64.decode(BuildConfig.RA_ROOT_DER_BASE64, Base64.DEFAULT))
    }

    companion object {
        const val TAG = "qoltanba"
    }
}

/** Where the RA is and the root certificate (DER) it is trusted through. */
class RegistrationAuthority(val url: String, val rootDer: ByteArray)

sealed interface Startup {
    data class Ready(val services: Services) : Startup
    /** The build names no RA (an operator's setting, README.md). */
    data object NotConfigured : Startup
    /** The core refused to open (its words). */
    data class Failed(val message: String) : Startup
}

/** The running app's services, or null when the core did not open. */
val android.content.Context.services: Services?
    get() = ((applicationContext as QoltanbaApplication).startup as? Startup.Ready)?.services
