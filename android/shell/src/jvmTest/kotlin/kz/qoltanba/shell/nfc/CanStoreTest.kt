package kz.qoltanba.shell.nfc

import android.content.StandInContext
import android.util.Base64
import kz.qoltanba.shell.Native
import kz.qoltanba.tests.android.StandIn
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test

/** The CAN sealed under an AndroidKeyStore AES-GCM key (the keystore stand-in of the core's tests). */
class CanStoreTest {
    private lateinit var context: StandInContext

    @Before
    fun freshPhone() {
        Native.ready()
        StandIn.reset()
        context = StandInContext()
    }

    private fun stored(): Map<String, Any> = context.preferences.values.single().values

    @Test
    fun nothingIsRememberedWithoutConsent() {
        assertNull(CanStore(context).remembered())
        assertTrue("no key made before a CAN is remembered", StandIn.entries.isEmpty())
    }

    @Test
    fun aRememberedCanIsSealedInTheKeystoreAndOpensAgain() {
        CanStore(context).remember("123456")
        // A new store, as after a restart of the app.
        assertEquals("123456", CanStore(context).remembered())

        val key = StandIn.entries.values.single()
        assertEquals("AES", key.key.algorithm)
        assertEquals(listOf("GCM"), key.spec.blockModes)
        assertEquals(listOf("NoPadding"), key.spec.encryptionPaddings)
        assertEquals(256, key.spec.keySize)
        val sealed = stored().values.single() as String
        val bytes = Base64.decode(sealed, Base64.NO_WRAP)
        assertEquals("IV, the CAN and the GCM tag", 12 + 6 + 16, bytes.size)
        assertFalse("no CAN in the preferences", sealed.contains("123456") || String(bytes, Charsets.ISO_8859_1).contains("123456"))
        assertTrue("sealed with its purpose as AAD: ${StandIn.log}", StandIn.log.any { it.contains("updateAAD(qoltanba:can:v1)") })

        CanStore(context).remember("654321")
        assertEquals("replaced", "654321", CanStore(context).remembered())
        assertEquals("one key", 1, StandIn.entries.size)
    }

    @Test
    fun forgetRemovesTheSealedCanAndItsKey() {
        val store = CanStore(context)
        store.remember("123456")
        store.forget()
        assertNull(store.remembered())
        assertTrue(stored().isEmpty())
        assertTrue("the key deleted", StandIn.entries.isEmpty())
    }

    @Test
    fun aDamagedOrOrphanedCanIsForgotten() {
        val store = CanStore(context)
        store.remember("123456")
        val prefs = context.preferences.values.single()
        val key = prefs.values.keys.single()
        val sealed = Base64.decode(prefs.values[key] as String, Base64.NO_WRAP)
        sealed[sealed.size - 1] = (sealed[sealed.size - 1].toInt() xor 1).toByte()
        prefs.values[key] = Base64.encodeToString(sealed, Base64.NO_WRAP)
        assertNull("a changed byte fails GCM's check", store.remembered())
        assertTrue("and the CAN is forgotten", prefs.values.isEmpty())

        store.remember("123456")
        prefs.values[key] = "not base-64!"
        assertNull(store.remembered())
        assertTrue(prefs.values.isEmpty())

        // A backup restored on a new phone: the preferences came, the key did not.
        store.remember("123456")
        StandIn.entries.clear()
        assertNull(store.remembered())
        assertTrue(prefs.values.isEmpty())
    }
}
