// STAND-IN, NOT ANDROID (see ../standins/android-framework.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.system

object Os {
    @JvmStatic fun setenv(name: String, value: String, overwrite: Boolean) {}
}
