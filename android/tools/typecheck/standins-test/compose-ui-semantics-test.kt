// STAND-IN, NOT COMPOSE (see compose-ui-test.kt): the semantics tree the tests read.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.ui.semantics

class SemanticsPropertyKey<T>(val name: String)

class SemanticsConfiguration {
    fun <T> getOrElseNullable(key: SemanticsPropertyKey<T>, defaultValue: () -> T?): T? = defaultValue()
}

fun <T> SemanticsConfiguration.getOrNull(key: SemanticsPropertyKey<T>): T? = getOrElseNullable(key) { null }

class SemanticsNode {
    val config: SemanticsConfiguration get() = SemanticsConfiguration()
}

object SemanticsProperties {
    val TestTag = SemanticsPropertyKey<String>("TestTag")
}
