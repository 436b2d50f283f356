// The core's Android keystore suite (JNI to AndroidKeyStore, in
// keystore-android/), written once and run twice: on the desktop JVM against
// the stand-in AndroidKeyStore (kotlin-android/AndroidKeystoreTests.kt, by
// scripts/kotlin-tests.sh) and on an emulator or phone against the real one
// (android/core/src/androidTest: KeystoreOnDeviceTest, by the workflow
// android.yml). What differs between the two is behind [KeystoreDevice];
// checks only the stand-in can make (the exact JNI call sequence, injected
// Java exceptions, a forced attestation level) stay in the JVM suite.
package kz.qoltanba.tests.android

import java.io.File
import java.security.KeyPairGenerator
import java.security.cert.X509Certificate
import java.security.spec.ECGenParameterSpec
import kotlinx.coroutines.runBlocking
import kz.qoltanba.core.*
import kz.qoltanba.core.device.RenewalStep
import kz.qoltanba.core.pki.KeyLevel
import kz.qoltanba.tests.CheckFailed
import kz.qoltanba.tests.check
import kz.qoltanba.tests.checkEq
import kz.qoltanba.tests.expectThrows
import kz.qoltanba.tests.finishWithCode
import kz.qoltanba.tests.startConfirmed
import kz.qoltanba.tests.tempDir

/** android.security.keystore.KeyProperties' values (the same on both sides). */
object Purposes {
    const val ENCRYPT = 1
    const val DECRYPT = 2
    const val SIGN = 4
    const val AUTH_DEVICE_CREDENTIAL = 1
    const val AUTH_BIOMETRIC_STRONG = 2
}

/** What the keystore itself says of a key (the stand-in's spec, or Android's KeyInfo). */
data class KeyFacts(
    val purposes: Int,
    val digests: List<String>,
    /** Bits; checked for RSA and AES, whose size the core sets. */
    val keySize: Int,
    val signaturePaddings: List<String>,
    val blockModes: List<String>,
    val encryptionPaddings: List<String>,
    val userAuthenticationRequired: Boolean,
    /** AUTH_* flags; null where the system cannot tell (before Android 11). */
    val userAuthenticationType: Int?,
    val userAuthenticationValiditySeconds: Int,
    /** Whether the key lives in StrongBox; null where the system cannot tell (before Android 12). */
    val strongBox: Boolean?,
)

/** The keystore the cases run against, and what they cannot do through the core. */
interface KeystoreDevice {
    /** Whether the device has StrongBox (a phone's FEATURE_STRONGBOX_KEYSTORE; emulators have none). */
    val hasStrongBox: Boolean

    /** A clean keystore: no key of this test app's left over. */
    fun reset()

    /** What the keystore says of [alias]; null when it holds no such key. */
    fun facts(alias: String): KeyFacts?

    /** The certificate chain the keystore holds for [alias], leaf first. */
    fun chain(alias: String): List<X509Certificate>?

    /** A key under [alias] that is not qoltanba's (another library's in the same app). */
    fun addForeignKey(alias: String)

    /**
     * The RA's verdict on an attestation [chain] with [challenge] accepted:
     * the attested level; throws QoltanbaException.InvalidInput when it
     * refuses (another challenge, a broken chain).
     */
    fun raVerdict(chain: List<ByteArray>, challenge: ByteArray): String

    /** From now on keys that need the user's unlock refuse to work (until [unlock]). */
    fun lock()

    /** The user unlocks (device credential): such keys work for their validity window. */
    fun unlock()
}

/** One case: its name and what it runs with a fresh keystore. */
class KeystoreCase(val name: String, val run: (KeystoreRun) -> Unit)

/** What a case gets: the device, the core's keystore in a fresh directory. */
class KeystoreRun(val device: KeystoreDevice, val keystore: TestingAndroidKeystore, val dir: File)

/**
 * Opens the core's keystore over a clean [device] for [case]: calls on the
 * caller's thread, or ([newThreads]) each on a new thread the VM has never
 * seen, which the core attaches for the call (as tokio's blocking threads).
 */
fun runKeystoreCase(device: KeystoreDevice, case: KeystoreCase, newThreads: Boolean) {
    device.reset()
    val dir = tempDir("android-keystore")
    TestingAndroidKeystore.open(File(dir, "keys").path).use { keystore ->
        keystore.setNewThreads(newThreads)
        case.run(KeystoreRun(device, keystore, dir))
    }
}

val MESSAGE = "qoltanba: the reissue application".toByteArray()

/** The level a key made without a challenge gets: where it was made. */
fun KeystoreDevice.unattestedLevel() = if (hasStrongBox) "strongbox" else "tee"

/** The shared cases, in order. */
fun keystoreCases(): List<KeystoreCase> = listOf(
    KeystoreCase("the platform and what it offers") { r ->
        checkEq("android", r.keystore.platform(), "platform")
        check(r.keystore.supports("p256") && r.keystore.supports("rsa2048") && r.keystore.supports("gost512")) { "supports" }
        check(!r.keystore.supports("rsa3072")) { "RSA-3072 is not offered" }
    },

    KeystoreCase("P-256 with the login's challenge: StrongBox, else the TEE; attested; the RA's check; signed and verified") { r ->
        val challenge = "login-challenge-42".toByteArray()
        val key = r.keystore.generate("p256", "sign", challenge, false)
        check(key.alias.startsWith("qoltanba-sign-")) { key.alias }
        checkEq("p256", key.algorithm, "algorithm")
        checkEq(null, key.certificate, "no certificate yet")
        check(key.attestation.size >= 2) { "an attestation chain up to a root: ${key.attestation.size}" }
        val leaf = x509(key.attestation[0])
        check(KeyDescription.challengeOf(leaf)?.contentEquals(challenge) == true) { "the challenge is in the leaf" }
        // The attestation's word wins: what the leaf says is the key's level.
        checkEq(KeyDescription.levelNameOf(leaf), key.level, "level")
        if (r.device.hasStrongBox) checkEq("strongbox", key.level, "a device with StrongBox")
        else check(key.level != "strongbox") { "no StrongBox on this device, yet ${key.level}" }
        // What the RA will check: the chain, the key, the challenge.
        checkEq(key.level, r.device.raVerdict(key.attestation, challenge), "the RA's verdict")
        expectThrows<QoltanbaException.InvalidInput>("another challenge") {
            r.device.raVerdict(key.attestation, "another".toByteArray())
        }
        // What the keystore made of the core's spec.
        val facts = r.device.facts(key.alias) ?: throw CheckFailed("no key ${key.alias}")
        checkEq(Purposes.SIGN, facts.purposes and Purposes.SIGN, "purpose SIGN")
        checkEq(listOf("SHA-256"), facts.digests, "digests")
        check(!facts.userAuthenticationRequired) { "no user authentication" }
        facts.strongBox?.let { checkEq(r.device.hasStrongBox, it, "in StrongBox") }

        val signature = r.keystore.sign(key.alias, MESSAGE)
        check(jvmVerifies(leaf, "SHA256withECDSA", MESSAGE, signature)) { "the JCA verifies the ECDSA signature" }
        check(r.keystore.verify(key.alias, MESSAGE, signature)) { "the core verifies it with the key's public key" }
        checkEq(0x30, signature[0].toInt(), "DER ECDSA-Sig-Value")
    },

    KeystoreCase("without a challenge: one self-signed certificate, no KeyDescription; StrongBox, else the TEE") { r ->
        val key = r.keystore.generate("p256", "auth", null, false)
        check(key.alias.startsWith("qoltanba-auth-")) { key.alias }
        checkEq(r.device.unattestedLevel(), key.level, "level")
        checkEq(1, key.attestation.size, "no challenge: one self-signed certificate")
        checkEq(null, KeyDescription.challengeOf(x509(key.attestation[0])), "no challenge, no KeyDescription")
        r.device.facts(key.alias)?.strongBox?.let { checkEq(r.device.hasStrongBox, it, "in StrongBox") }
        val signature = r.keystore.sign(key.alias, MESSAGE)
        check(jvmVerifies(x509(key.attestation[0]), "SHA256withECDSA", MESSAGE, signature)) { "verifies" }
    },

    KeystoreCase("RSA-2048: key size, PKCS#1 padding, SHA256withRSA; attested") { r ->
        val key = r.keystore.generate("rsa2048", "both", "c".toByteArray(), false)
        checkEq("rsa2048", key.algorithm, "algorithm")
        val facts = r.device.facts(key.alias) ?: throw CheckFailed("no key")
        checkEq(2048, facts.keySize, "key size")
        checkEq(listOf("PKCS1"), facts.signaturePaddings, "paddings")
        checkEq(listOf("SHA-256"), facts.digests, "digests")
        val signature = r.keystore.sign(key.alias, MESSAGE)
        checkEq(256, signature.size, "a 2048-bit PKCS#1 signature")
        check(jvmVerifies(x509(key.attestation[0]), "SHA256withRSA", MESSAGE, signature)) { "the JCA verifies" }
        check(r.keystore.verify(key.alias, MESSAGE, signature)) { "the core verifies" }
        checkEq(key.level, r.device.raVerdict(key.attestation, "c".toByteArray()), "the RA's verdict")
    },

    KeystoreCase("GOST 2015-512: sealed under an AES-256-GCM key in AndroidKeyStore") { r ->
        val key = r.keystore.generate("gost512", "sign", "ignored".toByteArray(), false)
        checkEq("gost512", key.algorithm, "algorithm")
        checkEq("hardware-wrapped", key.level, "level")
        checkEq(0, key.attestation.size, "no attestation for a wrapped key")
        val wrapping = r.device.facts("qoltanba.wrapping-key") ?: throw CheckFailed("no wrapping key")
        checkEq(Purposes.ENCRYPT or Purposes.DECRYPT, wrapping.purposes, "purposes")
        checkEq(listOf("GCM"), wrapping.blockModes, "block modes")
        checkEq(listOf("NoPadding"), wrapping.encryptionPaddings, "paddings")
        checkEq(256, wrapping.keySize, "AES-256")
        wrapping.strongBox?.let { checkEq(r.device.hasStrongBox, it, "StrongBox first") }
        val file = File(r.dir, "keys/wrapped/${key.alias}.sealed")
        val sealed = file.readBytes()
        check(sealed.size > 12 + 16 + 64) { "IV, sealed PKCS#8, GCM tag: ${sealed.size} bytes" }

        val signature = r.keystore.sign(key.alias, MESSAGE)
        checkEq(128, signature.size, "GOST 2015-512 r||s")
        check(r.keystore.verify(key.alias, MESSAGE, signature)) { "the core verifies the GOST signature" }
        check(!r.keystore.verify(key.alias, "other".toByteArray(), signature)) { "not for another message" }
        // A second GOST key under the same wrapping key.
        val second = r.keystore.generate("gost512", "auth", null, false)
        check(r.keystore.verify(second.alias, MESSAGE, r.keystore.sign(second.alias, MESSAGE))) { "the second signs" }
        // A sealed key altered on disk does not open.
        file.writeBytes(sealed.copyOf().also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() })
        val e = expectThrows<QoltanbaException.Keystore>("altered") { r.keystore.sign(key.alias, MESSAGE) }
        check(e.detail.contains("damaged")) { e.detail }
        file.writeBytes(sealed)
        check(r.keystore.verify(key.alias, MESSAGE, r.keystore.sign(key.alias, MESSAGE))) { "restored, it signs" }
    },

    KeystoreCase("bind the issued certificate; list only qoltanba's keys; delete") { r ->
        val key = r.keystore.generate("p256", "sign", "ch".toByteArray(), false)
        val gost = r.keystore.generate("gost512", "sign", null, false)
        val attestationLeaf = x509(key.attestation[0])
        // A CA, as the RA, issues a certificate for the keystore key.
        val caPair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
        val caCert = Certificates.mint("Test CA", caPair.public, "Test CA", caPair.private, ca = true)
        val issued = Certificates.mint("ТЕСТОВ ТЕСТ", attestationLeaf.publicKey, "Test CA", caPair.private)
        r.keystore.bindCertificate(key.alias, issued.encoded, listOf(caCert.encoded))
        val bound = r.keystore.key(key.alias)
        check(bound.certificate?.contentEquals(issued.encoded) == true) { "the certificate is bound" }
        checkEq(key.attestation.map { it.toList() }, bound.attestation.map { it.toList() }, "the attestation is kept")
        checkEq(key.level, bound.level, "level")
        val chain = r.device.chain(key.alias) ?: throw CheckFailed("no chain")
        checkEq(listOf(issued.encoded.toList(), caCert.encoded.toList()), chain.map { it.encoded.toList() }, "the keystore's chain: issued, CA")
        // Still signs, verifiable with the issued certificate.
        val signature = r.keystore.sign(key.alias, MESSAGE)
        check(jvmVerifies(issued, "SHA256withECDSA", MESSAGE, signature)) { "verifies with the issued certificate" }
        // GOST keys keep their certificate beside the sealed key.
        r.keystore.bindCertificate(gost.alias, issued.encoded, emptyList())
        check(r.keystore.key(gost.alias).certificate?.contentEquals(issued.encoded) == true) { "GOST bound" }

        // Only qoltanba's keys are listed: not the wrapping key, not another's.
        r.device.addForeignKey("other-app-key")
        checkEq(listOf(gost.alias, key.alias).sorted(), r.keystore.list().map { it.alias }.sorted(), "listed")
        r.keystore.delete(key.alias)
        r.keystore.delete(gost.alias)
        checkEq(emptyList<String>(), r.keystore.list().map { it.alias }, "after delete")
        checkEq(null, r.device.facts(key.alias), "deleted from the keystore")
        check(r.device.facts("other-app-key") != null) { "another's key is left alone" }
        check(!File(r.dir, "keys/wrapped/${gost.alias}.sealed").exists()) { "the sealed key is gone" }
        r.keystore.delete(key.alias) // absent: nothing happens
    },

    KeystoreCase("a missing key is KeyFile (NoSuchKey)") { r ->
        val missing = "qoltanba-sign-0000000000000000"
        val e = expectThrows<QoltanbaException.KeyFile>("sign") { r.keystore.sign(missing, MESSAGE) }
        check(e.detail.contains(missing)) { e.detail }
        expectThrows<QoltanbaException.KeyFile>("key") { r.keystore.key(missing) }
        expectThrows<QoltanbaException.KeyFile>("bind") { r.keystore.bindCertificate(missing, byteArrayOf(1), emptyList()) }
        expectThrows<QoltanbaException.KeyFile>("not our alias") { r.keystore.sign("../etc/passwd", MESSAGE) }
    },

    KeystoreCase("user authentication: asked for; signing before the unlock is UserNotAuthenticated, after it works") { r ->
        r.device.lock()
        val key = r.keystore.generate("p256", "sign", null, true)
        val facts = r.device.facts(key.alias) ?: throw CheckFailed("no key")
        check(facts.userAuthenticationRequired) { "required" }
        facts.userAuthenticationType?.let {
            checkEq(Purposes.AUTH_BIOMETRIC_STRONG or Purposes.AUTH_DEVICE_CREDENTIAL, it, "type")
        }
        check(facts.userAuthenticationValiditySeconds > 0) { "a validity window" }
        val e = expectThrows<QoltanbaException.UserNotAuthenticated>("locked") { r.keystore.sign(key.alias, MESSAGE) }
        checkEq("user_not_authenticated", errorCode(e), "code")
        check(e.detail.contains("unlock", ignoreCase = true)) { e.detail }
        r.device.unlock()
        check(jvmVerifies(x509(key.attestation[0]), "SHA256withECDSA", MESSAGE, r.keystore.sign(key.alias, MESSAGE))) { "unlocked, it signs" }

        // GOST: its own wrapping key, which needs the unlock too.
        val gost = r.keystore.generate("gost512", "sign", null, true)
        val wrapping = r.device.facts("qoltanba.wrapping-key.user-auth") ?: throw CheckFailed("no auth wrapping key")
        check(wrapping.userAuthenticationRequired) { "the wrapping key needs the unlock" }
        r.device.lock()
        expectThrows<QoltanbaException.UserNotAuthenticated>("locked GOST") { r.keystore.sign(gost.alias, MESSAGE) }
        r.device.unlock()
        check(r.keystore.verify(gost.alias, MESSAGE, r.keystore.sign(gost.alias, MESSAGE))) { "unlocked GOST signs" }
    },

    KeystoreCase("RSA-3072 is InvalidInput (Unsupported), and nothing is made") { r ->
        expectThrows<QoltanbaException.InvalidInput>("RSA-3072") { r.keystore.generate("rsa3072", "sign", null, false) }
        checkEq(emptyList<String>(), r.keystore.list().map { it.alias }, "nothing was made")
    },

    KeystoreCase("many calls: local references are freed (no JNI frame grows)") { r ->
        val keys = (1..3).map { r.keystore.generate("p256", "sign", null, false) }
        repeat(150) { i ->
            r.keystore.sign(keys[i % keys.size].alias, MESSAGE)
            if (i % 50 == 0) checkEq(3, r.keystore.list().size, "listed")
        }
        keys.forEach { r.keystore.delete(it.alias) }
    },
)

/** Run first, once: the library was loaded with System.loadLibrary, whose JNI_OnLoad handed the core the VM. */
fun checkVmFromOnLoad() {
    checkEq("JNI_OnLoad", testingJavaVmSource(), "VM source")
}

/**
 * Run last, once: the core forgets the VM and finds it again through
 * JNI_GetCreatedJavaVMs (on Android through libnativehelper or libart,
 * when the app's linker namespace hides it), from a new thread too.
 */
fun checkVmFoundWithoutOnLoad(device: KeystoreDevice) {
    device.reset()
    TestingAndroidKeystore.open(File(tempDir("android-keystore"), "keys").path).use { keystore ->
        testingForgetJavaVm()
        checkEq(null, testingJavaVmSource(), "forgotten")
        val key = keystore.generate("p256", "sign", null, false)
        checkEq("JNI_GetCreatedJavaVMs", testingJavaVmSource(), "VM source")
        keystore.setNewThreads(true)
        check(jvmVerifies(x509(key.attestation[0]), "SHA256withECDSA", MESSAGE, keystore.sign(key.alias, MESSAGE))) { "signs" }
    }
}

/** A key level as the RA's record names it. */
fun KeyLevel.recordName(): String = when (this) {
    KeyLevel.STRONG_BOX -> "strongbox"
    KeyLevel.TRUSTED_ENVIRONMENT -> "tee"
    KeyLevel.SOFTWARE -> "software"
    KeyLevel.HARDWARE_WRAPPED -> "hardware-wrapped"
    KeyLevel.SECURE_ENCLAVE -> "secure-enclave"
}

/**
 * A whole renewal into the keystore through PlatformKeys.system (the
 * core's Android code) against [server], which checks and records the keys'
 * attestations: the phone is locked when the new keys are made, so signing
 * the application stops with UserNotAuthenticated (the resumable stop the
 * app answers with BiometricPrompt); unlocked, the renewal resumes with the
 * same keys and ends with their certificates in the keystore. [server]
 * must trust the device's attestations (the stand-in's through its test
 * authority; a real device's through EmbeddedServer.startTrusting).
 */
fun keystoreRenewalLockedThenUnlocked(server: EmbeddedServer, device: KeystoreDevice, iin11: String) {
    device.reset()
    val dir = tempDir("android-renewal")
    val password = "Citizen2026a"
    val files = server.enroll(iin11, "p256", 7L, password, File(dir, "citizen").path)
    PlatformKeys.system(File(dir, "keystore").path).use { keystore ->
        checkEq("android", keystore.platform(), "PlatformKeys.system is the Android code")
        App.open(File(dir, "app.db").path, server.url(), server.rootDer()).use { app ->
            // Locked: the new keys are made, but cannot sign the application.
            device.lock()
            val request = KeystoreRenewal(files, password, "testov@example.kz", "Astana")
            val e = expectThrows<QoltanbaException.UserNotAuthenticated>("the phone is locked") {
                runBlocking { startConfirmed(app, keystore, request, null) }
            }
            checkEq("user_not_authenticated", errorCode(e), "code")
            check(e.detail.contains("unlock")) { e.detail }
            val made = keystore.list()
            checkEq(2, made.size, "AUTH and SIGN keys made while locked: $made")
            for (key in made) {
                val facts = device.facts(key.alias) ?: throw CheckFailed("the keystore has no ${key.alias}")
                check(facts.userAuthenticationRequired) { "${key.alias} needs the unlock" }
                facts.strongBox?.let { checkEq(device.hasStrongBox, it, "${key.alias} in StrongBox") }
                check(key.attested) { "${key.alias} attested with the login's challenge" }
            }
            val id = app.unfinishedRenewals().singleOrNull() ?: throw CheckFailed("one unfinished renewal")

            // Unlocked: resuming signs with the keys made before (a new
            // login; the RA still accepts the first login's challenge).
            device.unlock()
            val state = runBlocking { app.resume(id, KeySource.Keystore(keystore, password), null, null) }
            val number = state.needsCode ?: throw CheckFailed("no code asked: $state")
            val done = finishWithCode(server, app, state, KeySource.Keystore(keystore, password))
            checkEq(RenewalStep.DONE, done.step, "renewed")

            val aliases = done.summary!!.newCertificates.map { it.location }
            checkEq(made.map { it.alias }.toSet(), aliases.toSet(), "the certificates belong to the keys made while locked")
            val listed = keystore.list()
            checkEq(made.map { it.alias }.toSet(), listed.map { it.alias }.toSet(), "listed")
            check(listed.all { it.attested && it.hasCertificate }) { "attestations and certificates: $listed" }
            val level = listed.map { it.level }.distinct().singleOrNull() ?: throw CheckFailed("one level: $listed")
            if (device.hasStrongBox) checkEq(KeyLevel.STRONG_BOX, level, "StrongBox")
            else check(level != KeyLevel.STRONG_BOX) { "no StrongBox on this device, yet $level" }
            // What the RA checked and recorded: the same levels.
            checkEq("auth:${level.recordName()} sign:${level.recordName()}", server.attestationOf(number), "the RA's record")
            // The keystore holds the issued certificate now; its key verifies a signature.
            device.unlock()
            for (alias in aliases) {
                val issued = device.chain(alias)?.firstOrNull() ?: throw CheckFailed("no chain for $alias")
                check(jvmVerifies(issued, "SHA256withECDSA", MESSAGE, keystore.sign(alias, MESSAGE))) {
                    "$alias signs under its issued certificate"
                }
            }
            checkEq(aliases.map { "keystore:$it" }.toSet(), app.keys().filter { !it.replaced }.map { it.location }.toSet(), "keys()")
        }
    }
}
