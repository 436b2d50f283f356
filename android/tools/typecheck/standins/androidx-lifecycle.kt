// STAND-IN, NOT ANDROIDX: shaped like androidx.lifecycle 2.8, for the type-check only.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.lifecycle

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob

abstract class ViewModel {
    protected open fun onCleared() {}
}

val ViewModel.viewModelScope: CoroutineScope get() = CoroutineScope(SupervisorJob() + Dispatchers.Default)

open class ViewModelStore {
    fun clear() {}
}

interface ViewModelStoreOwner {
    val viewModelStore: ViewModelStore
}

class ViewModelProvider {
    interface Factory {
        fun <T : ViewModel> create(modelClass: Class<T>): T = throw UnsupportedOperationException()
    }
}

interface LifecycleOwner

abstract class LifecycleCoroutineScope : CoroutineScope

val LifecycleOwner.lifecycleScope: LifecycleCoroutineScope get() = throw UnsupportedOperationException()
