// Runs :shell's JUnit 4 tests here (scripts/android-tests.sh), where there
// is no Gradle: the test classes named on the command line, each test
// reported as it ends, and the closing line "N passed, N failed".
package kz.qoltanba.shell

import kotlin.system.exitProcess
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.Request
import org.junit.runner.manipulation.Filter
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

/** `Runner FILTER CLASS...`: FILTER (may be empty) keeps the tests whose name contains it. */
fun main(args: Array<String>) {
    val filter = args.firstOrNull().orEmpty()
    val classes = args.drop(1).map { Class.forName(it) }
    if (classes.isEmpty()) {
        println("no test class given")
        exitProcess(1)
    }
    val core = JUnitCore()
    var passed = 0
    var failed = 0
    core.addListener(object : RunListener() {
        private val failures = mutableSetOf<Description>()
        private var started = 0L

        override fun testStarted(description: Description) {
            started = System.nanoTime()
        }

        override fun testFailure(failure: Failure) {
            failures += failure.description
            println("FAIL  ${failure.description.displayName}: ${failure.message}")
            failure.exception.printStackTrace(System.out)
        }

        override fun testFinished(description: Description) {
            if (description in failures) {
                failed++
            } else {
                passed++
                println("ok    ${description.displayName} (${(System.nanoTime() - started) / 1_000_000} ms)")
            }
        }
    })
    val request = Request.classes(*classes.toTypedArray()).filterWith(object : Filter() {
        override fun shouldRun(description: Description): Boolean =
            description.isSuite || description.displayName.contains(filter) || description.children.any(::shouldRun)

        override fun describe(): String = "tests named *$filter*"
    })
    core.run(request)
    println("$passed passed, $failed failed")
    if (passed + failed == 0) println("no test matched")
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}
