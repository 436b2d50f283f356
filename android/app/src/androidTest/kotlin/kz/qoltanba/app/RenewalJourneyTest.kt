package kz.qoltanba.app

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.junit4.createAndroidComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.test.core.app.ApplicationProvider
import androidx.test.ext.junit.runners.AndroidJUnit4
import kz.qoltanba.app.ui.Tags
import kz.qoltanba.core.device.KeyStatus
import kz.qoltanba.core.pki.KeyPurpose
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.runner.RunWith
import java.io.File

/**
 * The renewal journey through the app's screens, end to end against the
 * embedded reference RA: a citizen's key files (enrolled by the RA, ending in
 * 7 days) added to the app, then menu -> keys -> renew -> the form -> the
 * review -> confirm -> the one-time code -> done; the core then lists the new
 * keys valid and the old ones replaced.
 */
@RunWith(AndroidJUnit4::class)
class RenewalJourneyTest {
    @get:Rule
    val compose = createAndroidComposeRule<MainActivity>()

    private val application: QoltanbaApplication = ApplicationProvider.getApplicationContext()
    private val services: Services get() = checkNotNull(application.services) { "the core did not open: ${application.startup}" }
    private val server get() = TestQoltanbaApplication.embedded

    @Test
    fun renewKeyFilesThroughTheScreens() {
        val citizen = File(application.cacheDir, "citizen-" + System.nanoTime())
        val files = server.enroll("90010140077", "p256", 7L, PASSWORD, citizen.path)
        files.forEach { services.app.importKeyFile(it, PASSWORD, services.keyFilesDir.path) }
        val old = services.app.citizenKeys()
        assertEquals("the enrolled AUTH and SIGN keys are the app's", 2, old.size)
        val sign = old.single { it.purpose == KeyPurpose.SIGN }

        click(Tags.MENU_PREFIX + "KEYS")
        waitFor(Tags.KEY_PREFIX + sign.serial)
        click(Tags.ACTION_PREFIX + "RENEW-" + sign.serial)

        waitFor(Tags.PASSWORD)
        type(Tags.PASSWORD, PASSWORD)
        click(Tags.HOME_FILES)
        type(Tags.NEW_PASSWORD, NEW_PASSWORD)
        type(Tags.NEW_PASSWORD_AGAIN, NEW_PASSWORD)
        type(Tags.EMAIL, "testov@example.kz")
        type(Tags.LOCALITY, "Astana")
        click(Tags.START)

        // The review before anything is made or signed.
        waitFor(Tags.REVIEW, timeoutMillis = 60_000)
        assertGone(Tags.PROBLEM)
        click(Tags.CONFIRM)

        // The code: the application's number is in its tag; the RA's SMS outbox has the code.
        waitFor(Tags.CODE, timeoutMillis = 120_000)
        val number = applicationNumber()
        val code = checkNotNull(server.codeFor(number)) { "the RA sent no code for application $number" }
        type(Tags.CODE, code)
        click(Tags.SUBMIT_CODE)

        waitFor(Tags.DONE, timeoutMillis = 120_000)
        assertGone(Tags.PROBLEM)

        val after = services.app.citizenKeys()
        for (key in old) {
            assertEquals("the old ${key.purpose} key is replaced", KeyStatus.Replaced, after.single { it.serial == key.serial }.status)
        }
        val renewed = after.filter { it.serial !in old.map { o -> o.serial } }
        assertEquals("a new AUTH and SIGN key", setOf(KeyPurpose.AUTH, KeyPurpose.SIGN), renewed.map { it.purpose }.toSet())
        assertTrue("the new keys are valid: ${renewed.map { it.status }}", renewed.all { it.status is KeyStatus.Valid })

        click(Tags.TO_KEYS)
        renewed.forEach { waitFor(Tags.KEY_PREFIX + it.serial) }
    }

    private fun waitFor(tag: String, timeoutMillis: Long = 10_000) {
        compose.waitUntil(timeoutMillis) {
            compose.onAllNodes(hasTag(tag)).fetchSemanticsNodes().isNotEmpty()
        }
    }

    private fun click(tag: String) {
        waitFor(tag)
        compose.onNodeWithTag(tag).performScrollTo().performClick()
    }

    private fun type(tag: String, text: String) {
        waitFor(tag)
        compose.onNodeWithTag(tag).performScrollTo().performTextInput(text)
    }

    private fun assertGone(tag: String) {
        val nodes = compose.onAllNodes(hasTag(tag)).fetchSemanticsNodes()
        assertTrue("no node tagged $tag expected, found ${nodes.size}", nodes.isEmpty())
    }

    private fun applicationNumber(): Long {
        val tags = compose.onAllNodes(SemanticsMatcher("a tag starting ${Tags.CODE_FOR_PREFIX}") {
            it.config.getOrNull(SemanticsProperties.TestTag)?.startsWith(Tags.CODE_FOR_PREFIX) == true
        }).fetchSemanticsNodes().mapNotNull { it.config.getOrNull(SemanticsProperties.TestTag) }
        return tags.single().removePrefix(Tags.CODE_FOR_PREFIX).toLong()
    }

    private fun hasTag(tag: String) = SemanticsMatcher("tag $tag") { it.config.getOrNull(SemanticsProperties.TestTag) == tag }

    private companion object {
        const val PASSWORD = "Citizen2026a"
        const val NEW_PASSWORD = "Renewed2026b"
    }
}
