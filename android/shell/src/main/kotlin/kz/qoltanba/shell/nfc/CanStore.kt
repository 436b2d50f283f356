package kz.qoltanba.shell.nfc

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import android.util.Log
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.util.Arrays
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The card access number (CAN, the six digits printed on the ID card),
 * remembered on this phone only when the citizen agreed to it, so the next
 * tap needs no typing.
 *
 * The CAN is sealed with AES-256-GCM under a key made in the
 * AndroidKeyStore for this purpose (it never leaves the keystore, and is
 * not usable on another device), and the sealed bytes are kept in the app's
 * private SharedPreferences. The CAN is not a PIN: it only opens the radio
 * channel (PACE) to a card in the phone's field, which is why no user
 * authentication is bound to the key. A CAN that cannot be opened any more
 * (the key was lost with a restored backup, the data damaged) is forgotten.
 *
 * Call [remember] only after the citizen agreed and the card accepted the
 * CAN; [forget] when the citizen withdraws the consent (settings) or the
 * card refused the remembered CAN.
 */
class CanStore(context: Context) {
    private val preferences = context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE)

    /** The remembered CAN, or null when there is none (or it could not be opened). */
    fun remembered(): String? {
        val sealed = preferences.getString(SEALED, null) ?: return null
        val key = existingKey() ?: run {
            Log.w(TAG, "the remembered CAN's key is gone; the CAN is forgotten")
            forget()
            return null
        }
        var plain: ByteArray? = null
        return try {
            val bytes = Base64.decode(sealed, Base64.NO_WRAP)
            if (bytes.size <= IV_BYTES) throw GeneralSecurityException("sealed CAN too short")
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, bytes, 0, IV_BYTES))
            cipher.updateAAD(AAD)
            plain = cipher.doFinal(bytes, IV_BYTES, bytes.size - IV_BYTES)
            String(plain, Charsets.UTF_8)
        } catch (e: GeneralSecurityException) {
            Log.w(TAG, "the remembered CAN could not be opened (${e.javaClass.simpleName}); it is forgotten")
            forget()
            null
        } catch (e: IllegalArgumentException) {
            Log.w(TAG, "the remembered CAN is damaged; it is forgotten")
            forget()
            null
        } finally {
            plain?.let { Arrays.fill(it, 0) }
        }
    }

    /**
     * Remembers [can] (sealed, replacing one remembered before). Only with
     * the citizen's consent.
     *
     * @throws GeneralSecurityException when the keystore refuses (nothing is stored then).
     */
    fun remember(can: String) {
        val key = existingKey() ?: newKey()
        val cipher = Cipher.getInstance(TRANSFORMATION)
        // The keystore chooses the IV (it refuses one given by the caller).
        cipher.init(Cipher.ENCRYPT_MODE, key)
        cipher.updateAAD(AAD)
        val plain = can.toByteArray(Charsets.UTF_8)
        try {
            val sealed = cipher.iv + cipher.doFinal(plain)
            preferences.edit().putString(SEALED, Base64.encodeToString(sealed, Base64.NO_WRAP)).apply()
        } finally {
            Arrays.fill(plain, 0)
        }
    }

    /** Forgets the CAN: the sealed bytes and the key that sealed them. */
    fun forget() {
        preferences.edit().remove(SEALED).apply()
        try {
            keyStore().deleteEntry(KEY_ALIAS)
        } catch (e: GeneralSecurityException) {
            Log.w(TAG, "the CAN key could not be deleted (${e.javaClass.simpleName})")
        }
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(ANDROID_KEY_STORE).apply { load(null) }

    private fun existingKey(): SecretKey? = keyStore().getKey(KEY_ALIAS, null) as? SecretKey

    private fun newKey(): SecretKey {
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEY_STORE)
        generator.init(
            KeyGenParameterSpec.Builder(KEY_ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val TAG = "qoltanba.can"
        const val PREFERENCES = "kz.qoltanba.shell.can"
        const val SEALED = "sealed-can"
        const val KEY_ALIAS = "qoltanba-can-seal"
        const val ANDROID_KEY_STORE = "AndroidKeyStore"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BITS = 128
        // Binds the sealed bytes to their use: they open as a CAN only.
        val AAD = "qoltanba:can:v1".toByteArray(Charsets.US_ASCII)
    }
}
