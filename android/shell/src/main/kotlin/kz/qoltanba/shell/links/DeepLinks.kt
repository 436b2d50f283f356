package kz.qoltanba.shell.links

import android.content.Intent
import android.util.Log
import kz.qoltanba.core.QoltanbaException
import kz.qoltanba.core.errorCode
import kz.qoltanba.core.serialFromDeepLink

/** Where a deep link leads in the app. */
sealed interface Route {
    /** The renewal of the key whose certificate has [serial] (upper-case hex). */
    data class Renew(val serial: String) : Route
}

/**
 * The app's deep links (`qoltanba://renew?serial=…`, from a reminder's
 * notification or a link the citizen opened) as [Route]s. The core reads
 * them (`serialFromDeepLink`); a link it does not accept leads nowhere.
 */
object DeepLinks {
    /** The route of [uri], or null (logged without the link) when it is not one of the app's. */
    fun route(uri: String): Route? = try {
        Route.Renew(serialFromDeepLink(uri))
    } catch (e: QoltanbaException) {
        Log.i(TAG, "a link that is not the app's was ignored: ${errorCode(e)}")
        null
    }

    /**
     * The route of an activity's intent: its data (the deep link a
     * notification's tap or a browser put there), or null without one.
     */
    fun route(intent: Intent): Route? = intent.dataString?.let(::route)

    private const val TAG = "qoltanba.links"
}
