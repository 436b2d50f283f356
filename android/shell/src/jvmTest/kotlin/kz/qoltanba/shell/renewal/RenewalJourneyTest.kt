package kz.qoltanba.shell.renewal

import android.nfc.StandInTags
import java.io.File
import kz.qoltanba.core.App
import kz.qoltanba.core.CardRenewal
import kz.qoltanba.core.KeyFileRenewal
import kz.qoltanba.core.KeystoreRenewal
import kz.qoltanba.core.PlatformKeys
import kz.qoltanba.core.SimulatorCard
import kz.qoltanba.core.device.RenewalStep
import kz.qoltanba.core.pki.KeyLevel
import kz.qoltanba.shell.CAN
import kz.qoltanba.shell.NEW_PASSWORD
import kz.qoltanba.shell.PASSWORD
import kz.qoltanba.shell.PIN
import kz.qoltanba.shell.PUK
import kz.qoltanba.shell.Ra
import kz.qoltanba.shell.Screens
import kz.qoltanba.shell.SimulatorBackend
import kz.qoltanba.shell.TestScope
import kz.qoltanba.shell.nfc.CardReader
import kz.qoltanba.shell.settings.Language
import kz.qoltanba.shell.tempDir
import kz.qoltanba.tests.android.StandIn
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The renewal journey against the reference RA on loopback (the core's
 * embedded one) with the core's real flow: key files, the simulator card
 * behind IsoDep, the software and the (stand-in) Android keystore.
 */
class RenewalJourneyTest {
    private fun keyFileRequest(files: List<String>, dir: File) = KeyFileRenewal(
        keyFiles = files, password = PASSWORD, newPassword = NEW_PASSWORD,
        email = "testov@example.kz", locality = "Astana", newKeysDir = File(dir, "new").path,
    )

    /** A journey with its screens recorded; the card reader feeds it. */
    private class Journey(app: App, scope: TestScope, val reader: CardReader = CardReader()) {
        val journey = RenewalJourney(app, reader::nextCard, scope.scope)
        val screens = Screens(journey.screen, scope.scope)

        inline fun <reified S : JourneyScreen> await(seconds: Long = 90): S =
            screens.await(seconds, S::class.simpleName ?: "screen") { it is S || it is JourneyScreen.Failed && S::class != JourneyScreen.Failed::class }
                .let { it as? S ?: throw AssertionError("expected ${S::class.simpleName}, got $it; screens ${screens.seen.toList()}") }

        /** Whether the journey still holds a secret or a card (white-box: its private fields). */
        fun holdsSomething(): List<String> = listOf("keys", "pending", "session", "transport").filter { name ->
            RenewalJourney::class.java.getDeclaredField(name).apply { isAccessible = true }.get(journey) != null
        }
    }

    @Test(timeout = 180_000)
    fun keyFilesReviewAWrongCodeThenTheRightOne() {
        val dir = tempDir("journey-files")
        val files = Ra.server.enroll(Ra.iin(), "gost512", 7L, PASSWORD, File(dir, "citizen").path)
        TestScope().use { scope ->
            Ra.app(dir).use { app ->
                val j = Journey(app, scope)
                j.journey.startWithKeyFiles(keyFileRequest(files, dir))
                val review = j.await<JourneyScreen.Review>().review
                assertEquals("testov@example.kz", review.email)
                j.journey.confirmReview()
                val code = j.await<JourneyScreen.Code>()
                assertFalse(code.wrongBefore)
                assertTrue("working screens with the core's steps: ${j.screens.seen}", j.screens.seen.any {
                    it is JourneyScreen.Working && it.step == RenewalStep.SIGNED
                })
                assertTrue("the core's progress lines", j.screens.seen.any { it is JourneyScreen.Working && it.text.isNotBlank() })

                val right = Ra.server.codeFor(code.application)!!
                val wrong = if (right == "000000") "111111" else "000000"
                j.journey.submitCode(wrong)
                val again = j.screens.await(90, "the code again") { it is JourneyScreen.Code && it.wrongBefore } as JourneyScreen.Code
                assertEquals(code.application, again.application)
                j.journey.submitCode(right)
                val done = j.await<JourneyScreen.Done>()
                assertEquals(files.size, done.summary.newCertificates.size)
                assertEquals(RenewalStep.DONE, app.renewalStep(j.journey.renewalId!!))
                assertEquals("nothing held after the end", emptyList<String>(), j.holdsSomething())
                // A double tap after the end does nothing.
                j.journey.submitCode(right)
                assertEquals(done, j.journey.screen.value)
            }
        }
    }

    @Test(timeout = 180_000)
    fun aDeclinedReviewEndsWithNothingMade() {
        val dir = tempDir("journey-decline")
        val files = Ra.server.enroll(Ra.iin(), "p256", 7L, PASSWORD, File(dir, "citizen").path)
        TestScope().use { scope ->
            Ra.app(dir).use { app ->
                val j = Journey(app, scope)
                j.journey.startWithKeyFiles(keyFileRequest(files, dir))
                j.await<JourneyScreen.Review>()
                j.journey.declineReview()
                j.await<JourneyScreen.Declined>()
                assertEquals(emptyList<Long>(), app.unfinishedRenewals())
                assertFalse("no new keys", File(dir, "new").exists() && File(dir, "new").list()!!.isNotEmpty())
                assertEquals(emptyList<String>(), j.holdsSomething())
            }
        }
    }

    @Test(timeout = 180_000)
    fun cancelledAtTheReviewThenResumedAfterARestart() {
        val dir = tempDir("journey-resume")
        val files = Ra.server.enroll(Ra.iin(), "p256", 7L, PASSWORD, File(dir, "citizen").path)
        Ra.app(dir).use { app ->
            val id = TestScope().use { scope ->
                val j = Journey(app, scope)
                j.journey.startWithKeyFiles(keyFileRequest(files, dir))
                j.await<JourneyScreen.Review>()
                j.journey.cancel()
                assertEquals(JourneyScreen.Idle, j.journey.screen.value)
                assertEquals(emptyList<String>(), j.holdsSomething())
                j.journey.renewalId!!
            }
            assertEquals(listOf(id), app.unfinishedRenewals())
            // A new journey (the app restarted), the keys given again.
            TestScope().use { scope ->
                val j = Journey(app, scope)
                j.journey.resume(id, JourneyKeys.KeyFiles(PASSWORD, NEW_PASSWORD))
                j.await<JourneyScreen.Review>()
                j.journey.confirmReview()
                val code = j.await<JourneyScreen.Code>()
                j.journey.submitCode(Ra.server.codeFor(code.application)!!)
                j.await<JourneyScreen.Done>()
                assertEquals(id, j.journey.renewalId)
            }
        }
    }

    @Test(timeout = 240_000)
    fun theCardLostDuringTheCodeStepAndTheRenewalFinishingOnTheNextTap() {
        val dir = tempDir("journey-card")
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            val oldSerials = Ra.server.enrollCard(sim, CAN, PIN, Ra.iin(), "p256", 7L)
            TestScope().use { scope ->
                Ra.app(dir).use { app ->
                    val j = Journey(app, scope)
                    j.journey.startWithCard(CardRenewal("testov@example.kz", "Astana", File(dir, "certs").path), CAN, PIN)
                    assertEquals(JourneyScreen.TapCard(lost = false), j.await<JourneyScreen.TapCard>())
                    val first = SimulatorBackend(sim.transport())
                    j.reader.onTagDiscovered(StandInTags.isoDep(first))
                    j.await<JourneyScreen.Review>()
                    j.journey.confirmReview()
                    val code = j.await<JourneyScreen.Code>()
                    // The card leaves the field three APDUs into the code's step (the
                    // core logs in with the card again, the code goes, the new
                    // certificates are installed on the card).
                    first.loseTagAt = first.transmits + 3
                    j.journey.submitCode(Ra.server.codeFor(code.application)!!)
                    assertEquals(JourneyScreen.TapCard(lost = true), j.screens.await(120, "the card lost") { it == JourneyScreen.TapCard(lost = true) })
                    val stepAtLoss = app.renewalStep(j.journey.renewalId!!)
                    assertTrue("the card left during the code's step: $stepAtLoss",
                        stepAtLoss in setOf(RenewalStep.SUBMITTED, RenewalStep.CONFIRMED, RenewalStep.ISSUED, RenewalStep.INSTALLED))

                    val second = SimulatorBackend(sim.transport())
                    j.reader.onTagDiscovered(StandInTags.isoDep(second))
                    val done = j.await<JourneyScreen.Done>()
                    assertEquals(oldSerials.toSet(), done.summary.oldSerials.toSet())
                    assertTrue("the new keys in the card's slots: ${done.summary.newCertificates}",
                        done.summary.newCertificates.size == 2 && done.summary.newCertificates.all { it.location.startsWith("slot-") })
                    assertTrue("PACE and the PIN again on the second tap", second.transmits > 5)
                    val lostAt = j.screens.seen.indexOf(JourneyScreen.TapCard(lost = true))
                    assertTrue("the code was not asked again", j.screens.seen.drop(lostAt).none { it is JourneyScreen.Code })
                    assertEquals(emptyList<String>(), j.holdsSomething())
                    first.close()
                    second.close()
                }
            }
        }
    }

    @Test(timeout = 180_000)
    fun aWrongPinFailsForGoodWithTheCoresWords() {
        val dir = tempDir("journey-pin")
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            Ra.server.enrollCard(sim, CAN, PIN, Ra.iin(), "p256", 7L)
            TestScope().use { scope ->
                Ra.app(dir).use { app ->
                    val j = Journey(app, scope)
                    j.journey.startWithCard(CardRenewal("testov@example.kz", "Astana", File(dir, "certs").path), CAN, "0000")
                    j.await<JourneyScreen.TapCard>()
                    val backend = SimulatorBackend(sim.transport())
                    j.reader.onTagDiscovered(StandInTags.isoDep(backend))
                    val failed = j.await<JourneyScreen.Failed>()
                    assertEquals("wrong_pin", failed.code)
                    assertFalse(failed.canRetry)
                    assertTrue(failed.message, failed.message.isNotBlank() && !failed.message.contains("0000"))
                    assertEquals(emptyList<String>(), j.holdsSomething())
                    backend.close()
                }
            }
        }
    }

    @Test(timeout = 180_000)
    fun anUnreachableRaFailsRetryablyInTheChosenLanguage() {
        val dir = tempDir("journey-offline")
        val files = Ra.server.enroll(Ra.iin(), "p256", 7L, PASSWORD, File(dir, "citizen").path)
        // An RA nobody listens at (a loopback port that refuses).
        val closed = java.net.ServerSocket(0).use { it.localPort }
        val messages = listOf("kk", "en").map { tag ->
            Language.apply(tag)
            TestScope().use { scope ->
                App.open(File(dir, "offline-$tag.db").path, "https://127.0.0.1:$closed", Ra.server.rootDer()).use { app ->
                    val j = Journey(app, scope)
                    j.journey.startWithKeyFiles(keyFileRequest(files, dir))
                    val failed = j.await<JourneyScreen.Failed>()
                    assertEquals("ra_unreachable", failed.code)
                    assertTrue("the same call can be made again", failed.canRetry)
                    assertTrue("the secrets wait for the retry", j.holdsSomething().contains("keys"))
                    j.journey.retry()
                    j.screens.await(60, "the retry's failure") { it is JourneyScreen.Failed && j.screens.seen.count { s -> s is JourneyScreen.Failed } >= 2 }
                    j.journey.cancel()
                    assertEquals(emptyList<String>(), j.holdsSomething())
                    failed.message
                }
            }
        }
        Language.apply("en")
        assertNotEquals("the core's words follow the language", messages[0], messages[1])
    }

    @Test(timeout = 180_000)
    fun newKeysIntoTheSoftwareKeystore() {
        val dir = tempDir("journey-keystore")
        val files = Ra.server.enroll(Ra.iin(), "p256", 7L, PASSWORD, File(dir, "citizen").path)
        TestScope().use { scope ->
            PlatformKeys.software(File(dir, "keystore").path).use { keystore ->
                Ra.app(dir).use { app ->
                    val j = Journey(app, scope)
                    j.journey.startIntoKeystore(keystore, KeystoreRenewal(files, PASSWORD, "testov@example.kz", "Astana"))
                    j.await<JourneyScreen.Review>()
                    j.journey.confirmReview()
                    val code = j.await<JourneyScreen.Code>()
                    j.journey.submitCode(Ra.server.codeFor(code.application)!!)
                    val done = j.await<JourneyScreen.Done>()
                    assertEquals(done.summary.newCertificates.map { it.location }.toSet(), keystore.list().map { it.alias }.toSet())
                    assertTrue(keystore.list().all { it.level == KeyLevel.SOFTWARE })
                }
            }
        }
    }

    @Test(timeout = 240_000)
    fun theKeystoreKeyNeedsTheUnlockThenTheRenewalGoesOn() {
        val dir = tempDir("journey-unlock")
        StandIn.reset()
        StandIn.minter = { publicKey, challenge, level -> Ra.server.mintAttestation(publicKey, challenge, level) }
        val files = Ra.server.enroll(Ra.iin(), "p256", 7L, PASSWORD, File(dir, "citizen").path)
        try {
            TestScope().use { scope ->
                PlatformKeys.system(File(dir, "keystore").path).use { keystore ->
                    assertEquals("the core's Android keystore code", "android", keystore.platform())
                    Ra.app(dir).use { app ->
                        val j = Journey(app, scope)
                        StandIn.userAuthenticated = false
                        j.journey.startIntoKeystore(keystore, KeystoreRenewal(files, PASSWORD, "testov@example.kz", "Astana"))
                        j.await<JourneyScreen.Review>()
                        j.journey.confirmReview()
                        j.await<JourneyScreen.Unlock>()
                        assertTrue("the secrets wait for the unlock", j.holdsSomething().contains("keys"))
                        // BiometricPrompt succeeded.
                        StandIn.userAuthenticated = true
                        j.journey.unlocked()
                        val code = j.await<JourneyScreen.Code>()
                        j.journey.submitCode(Ra.server.codeFor(code.application)!!)
                        val done = j.await<JourneyScreen.Done>()
                        assertEquals(2, done.summary.newCertificates.size)
                        assertEquals("auth:strongbox sign:strongbox", Ra.server.attestationOf(code.application))
                        assertEquals(emptyList<String>(), j.holdsSomething())
                    }
                }
            }
        } finally {
            StandIn.reset()
        }
    }

    @Test(timeout = 180_000)
    fun theEndOfItsScopeWipesTheJourneysSecrets() {
        val dir = tempDir("journey-scope")
        val files = Ra.server.enroll(Ra.iin(), "p256", 7L, PASSWORD, File(dir, "citizen").path)
        Ra.app(dir).use { app ->
            val scope = TestScope()
            val j = Journey(app, scope)
            j.journey.startWithKeyFiles(keyFileRequest(files, dir))
            j.await<JourneyScreen.Review>()
            assertTrue("the passwords wait for the confirmation", j.holdsSomething().contains("keys"))
            // The ViewModel is cleared: its scope ends.
            scope.close()
            val deadline = System.nanoTime() + 5_000_000_000L
            while (j.holdsSomething().isNotEmpty() && System.nanoTime() < deadline) Thread.sleep(10)
            assertEquals(emptyList<String>(), j.holdsSomething())
        }
    }

    @Test
    fun callsThatDoNotFitTheScreenAreIgnored() {
        Ra.app(tempDir("journey-idle")).use { app ->
            TestScope().use { scope ->
                val j = Journey(app, scope)
                j.journey.confirmReview()
                j.journey.submitCode("123456")
                j.journey.unlocked()
                j.journey.retry()
                j.journey.declineReview()
                assertEquals(JourneyScreen.Idle, j.journey.screen.value)
                assertNull(j.journey.renewalId)
            }
        }
    }
}
