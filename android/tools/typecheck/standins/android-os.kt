// STAND-IN, NOT ANDROID (see android-framework.kt). Also what the uniffi
// Android flavour uses (Build.VERSION, VERSION_CODES.UPSIDE_DOWN_CAKE).
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.os

object Build {
    object VERSION {
        @JvmField val SDK_INT: Int = 0
    }
    object VERSION_CODES {
        const val O = 26
        const val P = 28
        const val Q = 29
        const val S = 31
        const val TIRAMISU = 33
        const val UPSIDE_DOWN_CAKE = 34
    }
}

class Bundle

class LocaleList {
    operator fun get(index: Int): java.util.Locale = java.util.Locale.ROOT
}
