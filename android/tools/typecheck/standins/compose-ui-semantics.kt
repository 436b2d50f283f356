// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.ui.semantics

import androidx.compose.ui.Modifier

interface SemanticsPropertyReceiver

fun Modifier.semantics(mergeDescendants: Boolean = false, properties: SemanticsPropertyReceiver.() -> Unit): Modifier = this

var SemanticsPropertyReceiver.contentDescription: String
    get() = throw UnsupportedOperationException()
    set(value) {}

var SemanticsPropertyReceiver.liveRegion: LiveRegionMode
    get() = throw UnsupportedOperationException()
    set(value) {}

fun SemanticsPropertyReceiver.heading() {}

@JvmInline
value class LiveRegionMode private constructor(private val value: Int) {
    companion object {
        val Polite = LiveRegionMode(0)
        val Assertive = LiveRegionMode(1)
    }
}

@JvmInline
value class Role private constructor(private val value: Int) {
    companion object {
        val Button = Role(0)
        val Checkbox = Role(1)
        val RadioButton = Role(3)
    }
}
