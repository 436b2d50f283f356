// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt).
package androidx.compose.runtime.snapshots

class SnapshotStateList<T> : MutableList<T> by ArrayList()
