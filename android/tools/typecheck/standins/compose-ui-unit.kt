// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
package androidx.compose.ui.unit

class Dp(val value: Float)

val Int.dp: Dp get() = Dp(toFloat())
