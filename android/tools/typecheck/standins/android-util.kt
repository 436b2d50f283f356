// STAND-IN, NOT ANDROID (see android-framework.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.util

object Base64 {
    const val DEFAULT = 0
    @JvmStatic fun decode(str: String, flags: Int): ByteArray = ByteArray(0)
}

object Log {
    @JvmStatic fun e(tag: String, msg: String): Int = 0
    @JvmStatic fun w(tag: String, msg: String): Int = 0
}
