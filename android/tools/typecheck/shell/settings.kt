// STAND-IN FOR :shell (see nfc.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package kz.qoltanba.shell.settings

object Language {
    fun pick(systemTags: List<String>, chosen: String?): String = "en"
    fun apply(tag: String) {}
}
