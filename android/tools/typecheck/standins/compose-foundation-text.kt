// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.foundation.text

import androidx.compose.ui.text.input.KeyboardType

class KeyboardOptions(
    val autoCorrectEnabled: Boolean? = null,
    val keyboardType: KeyboardType = KeyboardType.Text,
)
