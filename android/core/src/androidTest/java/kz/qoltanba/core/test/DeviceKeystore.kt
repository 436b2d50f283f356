// The shared keystore cases' device (bindings/tests/kotlin-common/
// KeystoreCases.kt) on an emulator or phone: the real AndroidKeyStore of the
// test app, read back through Android's own KeyInfo, and the real lock screen.
package kz.qoltanba.core.test

import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyInfo
import android.security.keystore.KeyProperties
import java.security.KeyFactory
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.cert.X509Certificate
import java.security.spec.ECGenParameterSpec
import javax.crypto.SecretKey
import javax.crypto.SecretKeyFactory
import kz.qoltanba.core.testingVerifyDeviceAttestation
import kz.qoltanba.tests.android.KeyFacts
import kz.qoltanba.tests.android.KeystoreDevice

class DeviceKeystore : KeystoreDevice {
    override val hasStrongBox: Boolean =
        Build.VERSION.SDK_INT >= 28 &&
            OnDevice.context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    private fun store(): KeyStore = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }

    /** Every key of the test app goes (the test APK has a keystore of its own), and so does the PIN. */
    override fun reset() {
        LockScreen.clear()
        val keystore = store()
        for (alias in keystore.aliases().toList()) keystore.deleteEntry(alias)
    }

    override fun facts(alias: String): KeyFacts? {
        val keystore = store()
        if (!keystore.containsAlias(alias)) return null
        val info: KeyInfo = when (val key = keystore.getKey(alias, null)) {
            is PrivateKey -> KeyFactory.getInstance(key.algorithm, "AndroidKeyStore").getKeySpec(key, KeyInfo::class.java)
            is SecretKey -> SecretKeyFactory.getInstance(key.algorithm, "AndroidKeyStore").getKeySpec(key, KeyInfo::class.java) as KeyInfo
            else -> throw AssertionError("$alias holds neither a private nor a secret key: $key")
        }
        return KeyFacts(
            purposes = info.purposes,
            digests = info.digests.toList(),
            keySize = info.keySize,
            signaturePaddings = info.signaturePaddings.toList(),
            blockModes = info.blockModes.toList(),
            encryptionPaddings = info.encryptionPaddings.toList(),
            userAuthenticationRequired = info.isUserAuthenticationRequired,
            userAuthenticationType = if (Build.VERSION.SDK_INT >= 30) info.userAuthenticationType else null,
            userAuthenticationValiditySeconds = info.userAuthenticationValidityDurationSeconds,
            strongBox = if (Build.VERSION.SDK_INT >= 31) info.securityLevel == KeyProperties.SECURITY_LEVEL_STRONGBOX else null,
        )
    }

    override fun chain(alias: String): List<X509Certificate>? =
        store().getCertificateChain(alias)?.map { it as X509Certificate }

    override fun addForeignKey(alias: String) {
        KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, "AndroidKeyStore").apply {
            initialize(
                KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
                    .setDigests(KeyProperties.DIGEST_SHA256)
                    .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
                    .build(),
            )
        }.generateKeyPair()
    }

    /**
     * The RA's verifier (qoltanba-pki) on the device's chain, its own root
     * pinned: an emulator attests under a software root of AOSP's, not
     * Google's, and at level `software`.
     */
    override fun raVerdict(chain: List<ByteArray>, challenge: ByteArray): String =
        testingVerifyDeviceAttestation(chain, challenge)

    override fun lock() = LockScreen.lock()

    override fun unlock() = LockScreen.unlock()

    /**
     * The root this device's keystore attests under (the last certificate
     * of a throwaway key's attestation chain), for an RA that is to trust it.
     */
    fun attestationRoot(): ByteArray {
        val alias = "attestation-root-probe"
        KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, "AndroidKeyStore").apply {
            initialize(
                KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
                    .setDigests(KeyProperties.DIGEST_SHA256)
                    .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
                    .setAttestationChallenge("probe".toByteArray())
                    .build(),
            )
        }.generateKeyPair()
        val keystore = store()
        try {
            val chain = keystore.getCertificateChain(alias) ?: throw AssertionError("no attestation chain on this device")
            check(chain.size >= 2) { "this device returned no attestation chain (${chain.size} certificate)" }
            return chain.last().encoded
        } finally {
            keystore.deleteEntry(alias)
        }
    }
}
