// STAND-IN, NOT ANDROIDX (see androidx-lifecycle.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.lifecycle.viewmodel.compose

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ProvidedValue
import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.ViewModelStoreOwner

object LocalViewModelStoreOwner {
    val current: ViewModelStoreOwner?
        @Composable get() = null
    infix fun provides(viewModelStoreOwner: ViewModelStoreOwner): ProvidedValue<ViewModelStoreOwner?> = ProvidedValue()
}

@Composable
inline fun <reified VM : ViewModel> viewModel(
    viewModelStoreOwner: ViewModelStoreOwner? = null,
    key: String? = null,
    factory: ViewModelProvider.Factory? = null,
): VM = throw UnsupportedOperationException()
