// A tiny test runner: no Gradle, no JUnit. Each test is a named block; a
// failed check throws (kotlin-common/Checks.kt), the runner reports it and
// exits non-zero at the end.
package kz.qoltanba.tests

class Runner(private val filter: String?) {
    private val failures = mutableListOf<String>()
    private var ran = 0

    fun test(name: String, block: () -> Unit) {
        if (filter != null && !name.contains(filter)) return
        ran++
        val started = System.nanoTime()
        try {
            block()
            println("ok    $name (${(System.nanoTime() - started) / 1_000_000} ms)")
        } catch (e: Throwable) {
            failures += name
            println("FAIL  $name: $e")
            e.printStackTrace(System.out)
        }
    }

    fun finish(): Int {
        println("${ran - failures.size} passed, ${failures.size} failed")
        if (ran == 0) {
            println("no test matched")
            return 1
        }
        return if (failures.isEmpty()) 0 else 1
    }
}
