// STAND-IN, NOT ANDROIDX: shaped like androidx.appcompat 1.7, for the type-check only.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.appcompat.app

open class AppCompatActivity : androidx.fragment.app.FragmentActivity()

abstract class AppCompatDelegate {
    companion object {
        @JvmStatic fun setApplicationLocales(locales: androidx.core.os.LocaleListCompat) {}
    }
}
