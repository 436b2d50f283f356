// STAND-IN FOR :shell (see nfc.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package kz.qoltanba.shell.links

sealed interface Route {
    data class Renew(val serial: String) : Route
}

object DeepLinks {
    fun route(uri: String): Route? = null
}
