// STAND-IN, NOT ANDROIDX TEST: shaped like androidx.test runner 1.6 / core 1.6 / ext.junit 1.2.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.test.runner

open class AndroidJUnitRunner {
    open fun newApplication(cl: ClassLoader?, className: String?, context: android.content.Context?): android.app.Application =
        throw UnsupportedOperationException()
}
