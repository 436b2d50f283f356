// STAND-IN, NOT JETPACK COMPOSE: declarations shaped like Compose 1.7's
// (BOM 2024.12.01) names the app uses, for the type-check only; compiled
// without the Compose compiler plugin, so @Composable is only an annotation here.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.runtime

import kotlin.reflect.KProperty
import kotlinx.coroutines.CoroutineScope

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.TYPE, AnnotationTarget.TYPE_PARAMETER, AnnotationTarget.PROPERTY_GETTER)
annotation class Composable

interface State<out T> {
    val value: T
}

interface MutableState<T> : State<T> {
    override var value: T
}

fun <T> mutableStateOf(value: T): MutableState<T> = throw UnsupportedOperationException()

operator fun <T> State<T>.getValue(thisObj: Any?, property: KProperty<*>): T = value
operator fun <T> MutableState<T>.setValue(thisObj: Any?, property: KProperty<*>, value: T) {
    this.value = value
}

@Composable
inline fun <T> remember(crossinline calculation: () -> T): T = calculation()

@Composable
fun LaunchedEffect(key1: Any?, block: suspend CoroutineScope.() -> Unit) {}

@Composable
inline fun <T> key(vararg keys: Any?, block: @Composable () -> T): T = block()

class ProvidedValue<T>

abstract class CompositionLocal<T> {
    val current: T
        @Composable get() = throw UnsupportedOperationException()
}

abstract class ProvidableCompositionLocal<T> : CompositionLocal<T>() {
    infix fun provides(value: T): ProvidedValue<T> = ProvidedValue()
}

fun <T> staticCompositionLocalOf(defaultFactory: () -> T): ProvidableCompositionLocal<T> = throw UnsupportedOperationException()

@Composable
fun CompositionLocalProvider(vararg values: ProvidedValue<*>, content: @Composable () -> Unit) {}

fun <T> mutableStateListOf(vararg elements: T): androidx.compose.runtime.snapshots.SnapshotStateList<T> =
    androidx.compose.runtime.snapshots.SnapshotStateList()
