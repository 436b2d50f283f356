// STAND-IN, NOT ANDROID (see android-framework.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package android

object Manifest {
    object permission {
        const val POST_NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"
    }
}
