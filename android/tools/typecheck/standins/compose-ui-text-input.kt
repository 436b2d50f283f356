// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.ui.text.input

@JvmInline
value class KeyboardType private constructor(private val value: Int) {
    companion object {
        val Text = KeyboardType(1)
        val Number = KeyboardType(3)
        val Email = KeyboardType(6)
        val Password = KeyboardType(7)
        val NumberPassword = KeyboardType(8)
    }
}

fun interface VisualTransformation {
    fun filter(text: String): String
    companion object {
        val None: VisualTransformation = VisualTransformation { it }
    }
}

class PasswordVisualTransformation(val mask: Char = '\u2022') : VisualTransformation {
    override fun filter(text: String): String = text
}
