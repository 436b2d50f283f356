// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
package androidx.compose.material.icons

object Icons {
    object AutoMirrored {
        object Filled
    }
}
