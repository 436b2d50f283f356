// STAND-IN, NOT ANDROIDX TEST (see androidx-test.kt).
package androidx.test.ext.junit.runners

class AndroidJUnit4
