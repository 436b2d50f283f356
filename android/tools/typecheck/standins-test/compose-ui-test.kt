// STAND-IN, NOT COMPOSE UI TEST: shaped like androidx.compose.ui:ui-test 1.7,
// for the type-check of src/androidTest only.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.ui.test

import androidx.compose.ui.semantics.SemanticsNode

class SemanticsMatcher(val description: String, private val matcher: (SemanticsNode) -> Boolean)

class SemanticsNodeInteraction
class SemanticsNodeInteractionCollection {
    fun fetchSemanticsNodes(atLeastOneRootRequired: Boolean = true, errorMessageOnFail: String? = null): List<SemanticsNode> = emptyList()
}

interface SemanticsNodeInteractionsProvider {
    fun onNode(matcher: SemanticsMatcher, useUnmergedTree: Boolean = false): SemanticsNodeInteraction
    fun onAllNodes(matcher: SemanticsMatcher, useUnmergedTree: Boolean = false): SemanticsNodeInteractionCollection
}

fun SemanticsNodeInteractionsProvider.onNodeWithTag(testTag: String, useUnmergedTree: Boolean = false): SemanticsNodeInteraction =
    SemanticsNodeInteraction()

fun SemanticsNodeInteraction.performClick(): SemanticsNodeInteraction = this
fun SemanticsNodeInteraction.performScrollTo(): SemanticsNodeInteraction = this
fun SemanticsNodeInteraction.performTextInput(text: String) {}
