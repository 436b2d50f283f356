// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
package androidx.compose.material.icons.automirrored.filled

import androidx.compose.material.icons.Icons
import androidx.compose.ui.graphics.vector.ImageVector

val Icons.AutoMirrored.Filled.ArrowBack: ImageVector get() = ImageVector()
