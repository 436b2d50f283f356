// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.foundation

import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role

@Composable
fun isSystemInDarkTheme(): Boolean = false

class ScrollState

@Composable
fun rememberScrollState(initial: Int = 0): ScrollState = ScrollState()

fun Modifier.verticalScroll(state: ScrollState, enabled: Boolean = true): Modifier = this

fun Modifier.clickable(enabled: Boolean = true, onClickLabel: String? = null, role: Role? = null, onClick: () -> Unit): Modifier = this
