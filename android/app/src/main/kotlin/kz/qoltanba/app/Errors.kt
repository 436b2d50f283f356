package kz.qoltanba.app

import androidx.annotation.StringRes
import kz.qoltanba.core.QoltanbaException

/**
 * The core's one line for the citizen: what is wrong and what to do, in the
 * language of setLocale. Every variant carries it as `detail` (a variant
 * added later must be added here: the `when` is exhaustive).
 */
fun QoltanbaException.citizenText(): String = when (this) {
    is QoltanbaException.WrongPassword -> detail
    is QoltanbaException.WrongPin -> detail
    is QoltanbaException.PinBlocked -> detail
    is QoltanbaException.WrongCan -> detail
    is QoltanbaException.CardLost -> detail
    is QoltanbaException.WrongCode -> detail
    is QoltanbaException.RaUnreachable -> detail
    is QoltanbaException.RaRefused -> detail
    is QoltanbaException.InvalidInput -> detail
    is QoltanbaException.KeyFile -> detail
    is QoltanbaException.Card -> detail
    is QoltanbaException.RenewalFailed -> detail
    is QoltanbaException.UserNotAuthenticated -> detail
    is QoltanbaException.Keystore -> detail
    is QoltanbaException.Cancelled -> detail
    is QoltanbaException.Storage -> detail
    is QoltanbaException.Internal -> detail
}

/**
 * What a screen shows when something failed: the core's words, or one of the
 * app's own (a file that could not be read, no NFC) by resource.
 */
sealed interface Problem {
    data class Core(val text: String) : Problem
    data class App(@StringRes val text: Int) : Problem
}

/** A failure as the citizen sees it; anything not from the core is the app's generic line. */
fun Throwable.toProblem(): Problem = when (this) {
    is QoltanbaException -> Problem.Core(citizenText())
    is java.io.IOException -> Problem.App(R.string.error_file)
    else -> Problem.App(R.string.error_unexpected)
}
