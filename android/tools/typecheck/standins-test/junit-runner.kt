// STAND-IN, NOT JUNIT (see junit.kt).
package org.junit.runner

@Retention(AnnotationRetention.RUNTIME)
annotation class RunWith(val value: kotlin.reflect.KClass<*>)
