// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
package androidx.compose.ui.graphics.vector

class ImageVector
