// STAND-IN, NOT ANDROID (see android-framework.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.net

abstract class Uri {
    abstract val lastPathSegment: String?
    companion object {
        @JvmStatic fun parse(uriString: String): Uri = throw UnsupportedOperationException()
    }
}
