// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.ui.platform

import androidx.compose.runtime.ProvidableCompositionLocal
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.Modifier

val LocalContext: ProvidableCompositionLocal<android.content.Context> = staticCompositionLocalOf { throw IllegalStateException() }
val LocalConfiguration: ProvidableCompositionLocal<android.content.res.Configuration> = staticCompositionLocalOf { throw IllegalStateException() }

fun Modifier.testTag(tag: String): Modifier = this
