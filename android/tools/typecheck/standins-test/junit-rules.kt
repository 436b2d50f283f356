// STAND-IN, NOT JUNIT (see junit.kt).
package org.junit.rules

interface TestRule
