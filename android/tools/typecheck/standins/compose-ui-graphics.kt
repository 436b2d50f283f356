// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
package androidx.compose.ui.graphics

class Color(val value: Long) {
    companion object {
        val Unspecified = Color(0)
    }
}
