// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
package androidx.compose.ui.text

class TextStyle {
    companion object {
        val Default = TextStyle()
    }
}
