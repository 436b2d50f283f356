// STAND-IN, NOT JUNIT: shaped like JUnit 4.13, for the type-check only.
@file:Suppress("unused", "UNUSED_PARAMETER")
package org.junit

@Retention(AnnotationRetention.RUNTIME)
annotation class Test

@Retention(AnnotationRetention.RUNTIME)
@Target(AnnotationTarget.FIELD, AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY_GETTER)
annotation class Rule

object Assert {
    @JvmStatic fun assertEquals(message: String?, expected: Any?, actual: Any?) {}
    @JvmStatic fun assertTrue(message: String?, condition: Boolean) {}
}
