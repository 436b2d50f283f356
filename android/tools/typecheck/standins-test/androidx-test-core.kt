// STAND-IN, NOT ANDROIDX TEST (see androidx-test.kt).
package androidx.test.core.app

object ApplicationProvider {
    @JvmStatic fun <T : android.content.Context> getApplicationContext(): T = throw UnsupportedOperationException()
}
