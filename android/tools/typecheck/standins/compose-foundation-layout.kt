// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.foundation.layout

import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp

interface ColumnScope
interface RowScope

object Arrangement {
    interface Vertical
    interface Horizontal
    interface HorizontalOrVertical : Vertical, Horizontal
    val Top: Vertical = object : Vertical {}
    val Start: Horizontal = object : Horizontal {}
    fun spacedBy(space: Dp): HorizontalOrVertical = object : HorizontalOrVertical {}
}

class PaddingValues

@Composable
fun Column(
    modifier: Modifier = Modifier,
    verticalArrangement: Arrangement.Vertical = Arrangement.Top,
    content: @Composable ColumnScope.() -> Unit,
) {}

@Composable
fun Row(
    modifier: Modifier = Modifier,
    horizontalArrangement: Arrangement.Horizontal = Arrangement.Start,
    verticalAlignment: Alignment.Vertical = Alignment.CenterVertically,
    content: @Composable RowScope.() -> Unit,
) {}

@Composable
fun Spacer(modifier: Modifier) {}

fun Modifier.fillMaxSize(fraction: Float = 1f): Modifier = this
fun Modifier.fillMaxWidth(fraction: Float = 1f): Modifier = this
fun Modifier.padding(paddingValues: PaddingValues): Modifier = this
fun Modifier.padding(all: Dp): Modifier = this
fun Modifier.padding(horizontal: Dp = 0.dp, vertical: Dp = 0.dp): Modifier = this
fun Modifier.width(width: Dp): Modifier = this
fun Modifier.heightIn(min: Dp = Dp(Float.NaN), max: Dp = Dp(Float.NaN)): Modifier = this
