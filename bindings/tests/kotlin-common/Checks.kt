// The checks every Kotlin test uses, on the desktop JVM (kotlin/Runner.kt runs
// them) and on a device (android/core/src/androidTest, under JUnit): a
// failed check throws CheckFailed, an AssertionError, which both report.
package kz.qoltanba.tests

class CheckFailed(message: String) : AssertionError(message)

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw CheckFailed(message())
}

fun <T> checkEq(expected: T, actual: T, what: String) =
    check(expected == actual) { "$what: expected <$expected>, got <$actual>" }

/** Runs [block] and returns the exception of type [E] it must throw. */
inline fun <reified E : Throwable> expectThrows(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw CheckFailed("$what: expected ${E::class.simpleName}, got ${e::class.qualifiedName}: ${e.message}")
    }
    throw CheckFailed("$what: expected ${E::class.simpleName}, nothing was thrown")
}
