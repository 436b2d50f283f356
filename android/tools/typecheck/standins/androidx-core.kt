// STAND-IN, NOT ANDROIDX: shaped like androidx.core 1.15, for the type-check only.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.core.os

class LocaleListCompat {
    val isEmpty: Boolean get() = true
    fun toLanguageTags(): String = ""
    companion object {
        @JvmStatic fun forLanguageTags(list: String?): LocaleListCompat = LocaleListCompat()
        @JvmStatic fun getEmptyLocaleList(): LocaleListCompat = LocaleListCompat()
    }
}
