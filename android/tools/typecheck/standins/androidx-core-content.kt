// STAND-IN, NOT ANDROIDX (see androidx-core.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.core.content

object ContextCompat {
    @JvmStatic fun checkSelfPermission(context: android.content.Context, permission: String): Int = 0
    @JvmStatic fun getMainExecutor(context: android.content.Context): java.util.concurrent.Executor = java.util.concurrent.Executor { it.run() }
}
