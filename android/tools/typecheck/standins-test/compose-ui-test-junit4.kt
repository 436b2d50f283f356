// STAND-IN, NOT COMPOSE UI TEST (see compose-ui-test.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.ui.test.junit4

import androidx.activity.ComponentActivity
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.SemanticsNodeInteractionCollection
import androidx.compose.ui.test.SemanticsNodeInteractionsProvider

abstract class AndroidComposeTestRule<A : ComponentActivity> : org.junit.rules.TestRule, SemanticsNodeInteractionsProvider {
    abstract fun waitUntil(timeoutMillis: Long = 1_000, condition: () -> Boolean)
}

inline fun <reified A : ComponentActivity> createAndroidComposeRule(): AndroidComposeTestRule<A> = throw UnsupportedOperationException()
