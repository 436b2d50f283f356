package kz.qoltanba.app

import android.app.Application
import android.content.Context
import androidx.test.runner.AndroidJUnitRunner

/** Runs the instrumented tests in [TestQoltanbaApplication]: the app on the embedded RA. */
class QoltanbaTestRunner : AndroidJUnitRunner() {
    override fun newApplication(cl: ClassLoader?, className: String?, context: Context?): Application =
        super.newApplication(cl, TestQoltanbaApplication::class.java.name, context)
}
