package kz.qoltanba.shell.links

import android.content.StandInIntents
import android.util.StandInLog
import kz.qoltanba.shell.Native
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** Deep links read by the core (`serialFromDeepLink`). */
class DeepLinksTest {
    init {
        Native.ready()
    }

    @Test
    fun theRenewLinkLeadsToTheRenewalOfItsKey() {
        assertEquals(Route.Renew("5E0001"), DeepLinks.route("qoltanba://renew?serial=5E0001"))
    }

    @Test
    fun otherLinksLeadNowhereAndAreNotLogged() {
        for (link in listOf("https://example.kz/renew?serial=5E0001", "qoltanba://revoke?serial=5E0001", "", "qoltanba://renew")) {
            assertNull(link, DeepLinks.route(link))
        }
        assertTrue("no link in the log: ${StandInLog.lines}", StandInLog.lines.none { it.contains("example.kz") || it.contains("5E0001") })
    }

    @Test
    fun theNotificationsIntentCarriesTheLinkAsItsData() {
        val tapped = StandInIntents.withData("android.intent.action.VIEW", "qoltanba://renew?serial=ABCDEF01")
        assertEquals(Route.Renew("ABCDEF01"), DeepLinks.route(tapped))
        assertNull(DeepLinks.route(android.content.Intent("android.intent.action.MAIN")))
    }
}
