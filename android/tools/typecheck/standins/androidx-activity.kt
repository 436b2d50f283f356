// STAND-IN, NOT ANDROIDX: shaped like androidx.activity 1.9, for the type-check only.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.activity

import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelStore
import androidx.lifecycle.ViewModelStoreOwner

open class ComponentActivity : android.app.Activity(), LifecycleOwner, ViewModelStoreOwner {
    override val viewModelStore: ViewModelStore get() = ViewModelStore()
}

fun ComponentActivity.enableEdgeToEdge() {}

inline fun <reified VM : ViewModel> ComponentActivity.viewModels(): Lazy<VM> = throw UnsupportedOperationException()
