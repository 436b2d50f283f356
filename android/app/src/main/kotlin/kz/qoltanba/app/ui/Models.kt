package kz.qoltanba.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.launch
import kz.qoltanba.app.Problem
import kz.qoltanba.app.Services
import kz.qoltanba.app.toProblem
import kz.qoltanba.core.QoltanbaException

/** The ViewModel of the current screen, made from the app's [Services]. */
@Composable
inline fun <reified VM : ViewModel> screenModel(crossinline create: (Services) -> VM): VM {
    val services = LocalServices.current
    return viewModel(
        factory = object : ViewModelProvider.Factory {
            override fun <T : ViewModel> create(modelClass: Class<T>): T {
                @Suppress("UNCHECKED_CAST")
                return create(services) as T
            }
        },
    )
}

/**
 * A screen's model: one piece of work at a time, its failure in the
 * citizen's words, and the keystore's unlock: a key that needs it stops the
 * work, the screen shows the system prompt, and the work runs again.
 */
abstract class ScreenModel(val services: Services) : ViewModel() {
    var busy by mutableStateOf(false)
        private set
    var problem by mutableStateOf<Problem?>(null)
        protected set
    var needsUnlock by mutableStateOf(false)
        private set
    private var again: (() -> Unit)? = null

    protected fun work(action: suspend () -> Unit) {
        if (busy) return
        viewModelScope.launch {
            busy = true
            problem = null
            needsUnlock = false
            try {
                action()
            } catch (e: CancellationException) {
                throw e
            } catch (e: QoltanbaException.UserNotAuthenticated) {
                needsUnlock = true
                again = { work(action) }
            } catch (e: Exception) {
                problem = e.toProblem()
            } finally {
                busy = false
            }
        }
    }

    /** The citizen unlocked: the stopped work runs again. */
    fun unlocked() {
        needsUnlock = false
        again?.invoke()
        again = null
    }
}
