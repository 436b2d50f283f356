// The core's Android keystore code (JNI to AndroidKeyStore, in
// core/src/keystore/platform/android.rs) on the desktop JVM: the library is
// loaded with System.loadLibrary (its JNI_OnLoad hands the VM to the core)
// and driven through the test-only TestingAndroidKeystore export; the
// android.security.keystore classes and the "AndroidKeyStore" provider are
// the stand-ins beside this file. Run by scripts/kotlin-tests.sh (library
// built with features testing,jvm-keystore), in its own JVM.
package kz.qoltanba.tests.android

import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyPairGenerator
import java.security.ProviderException
import java.security.Signature
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import java.security.spec.ECGenParameterSpec
import kz.qoltanba.core.*
import kz.qoltanba.core.device.RenewalStep
import kz.qoltanba.tests.startConfirmed
import kz.qoltanba.core.pki.KeyLevel
import kz.qoltanba.tests.CheckFailed
import kz.qoltanba.tests.Runner
import kz.qoltanba.tests.check
import kz.qoltanba.tests.checkEq
import kz.qoltanba.tests.expectThrows
import kz.qoltanba.tests.finishWithCode
import kotlinx.coroutines.runBlocking
import kz.qoltanba.tests.tempDir

fun x509(der: ByteArray): X509Certificate =
    CertificateFactory.getInstance("X.509").generateCertificate(der.inputStream()) as X509Certificate

/** Verifies [signature] with the certificate's public key on the JVM (SunEC, SunRsaSign). */
fun jvmVerifies(leaf: X509Certificate, algorithm: String, message: ByteArray, signature: ByteArray): Boolean =
    Signature.getInstance(algorithm).run {
        initVerify(leaf.publicKey)
        update(message)
        verify(signature)
    }

/** The calls logged since [from] that mention [word]. */
fun callsSince(from: Int, word: String = ""): List<String> =
    synchronized(StandIn.log) { StandIn.log.drop(from).filter { it.contains(word) } }

/** Checks [expected] appears in [calls] in this order (other calls may come between). */
fun checkInOrder(expected: List<String>, calls: List<String>) {
    var at = 0
    for (call in calls) if (at < expected.size && call.startsWith(expected[at])) at++
    check(at == expected.size) { "expected in order: $expected\nmissing: ${expected.drop(at)}\ncalls: $calls" }
}

fun main(args: Array<String>) {
    val filter = args.firstOrNull()
    // JNI_OnLoad: the VM reaches the core as on a phone (the app's
    // System.loadLibrary); JNA then opens the same file for uniffi's calls.
    System.loadLibrary("qoltanba_ffi")
    StandIn.install()
    if (filter == "--bench") {
        bench()
        return
    }

    val tests = mutableListOf<Pair<String, () -> Unit>>()
    val message = "qoltanba: the reissue application".toByteArray()
    val opened = mutableListOf<TestingAndroidKeystore>()
    // The stand-in's attestation chains come from the server's test authority.
    val authority = TestingAttestationAuthority()

    // Each keystore test runs twice: calls on the caller's thread (a Java
    // thread, through JNA) and on a new thread the VM has never seen, which
    // the core attaches for the call (as tokio's blocking threads).
    for (newThreads in listOf(false, true)) {
        val mode = if (newThreads) "new thread" else "calling thread"
        lateinit var dir: File
        lateinit var keystore: TestingAndroidKeystore
        fun test(name: String, block: () -> Unit) {
            tests += "android keystore ($mode): $name" to {
                // A clean "device" and a clean directory for every test.
                StandIn.reset()
                StandIn.minter = { publicKey, challenge, level -> authority.mint(publicKey, challenge, level) }
                dir = tempDir("android-keystore")
                keystore = TestingAndroidKeystore.open(File(dir, "keys").path).also {
                    it.setNewThreads(newThreads)
                    opened += it
                }
                block()
            }
        }
        if (!newThreads) {
            test("the VM came through JNI_OnLoad") {
                checkEq("JNI_OnLoad", testingJavaVmSource(), "VM source")
                checkEq("android", keystore.platform(), "platform")
                check(keystore.supports("p256") && keystore.supports("rsa2048") && keystore.supports("gost512")) { "supports" }
                check(!keystore.supports("rsa3072")) { "RSA-3072 is not offered" }
            }
        }
        test("P-256 in StrongBox with an attestation challenge; signed and verified on the JVM") {
            val challenge = "login-challenge-42".toByteArray()
            val key = keystore.generate("p256", "sign", challenge, false)
            check(key.alias.startsWith("qoltanba-sign-")) { key.alias }
            checkEq("p256", key.algorithm, "algorithm")
            checkEq("strongbox", key.level, "level")
            checkEq(null, key.certificate, "no certificate yet")
            checkEq(4, key.attestation.size, "attestation chain: leaf, attestation key, intermediate, root")
            val leaf = x509(key.attestation[0])
            check(Attestation.challengeOf(leaf)?.contentEquals(challenge) == true) { "the challenge is in the leaf" }
            checkEq(2, Attestation.levelOf(leaf), "attested level StrongBox")
            // What the RA will check: the chain up to the pinned root, the key, the challenge.
            checkEq("strongbox", authority.verify(key.attestation, challenge), "the RA's verdict")
            expectThrows<QoltanbaException.InvalidInput>("another challenge") {
                authority.verify(key.attestation, "another".toByteArray())
            }
            // The spec the core built, as Android's KeyPairGenerator receives it.
            val spec = StandIn.entry(key.alias)?.spec ?: throw CheckFailed("no entry ${key.alias}")
            checkEq(KeyProperties.PURPOSE_SIGN, spec.purposes, "purposes")
            checkEq(listOf(KeyProperties.DIGEST_SHA256), spec.digests, "digests")
            checkEq("secp256r1", (spec.algorithmParameterSpec as? ECGenParameterSpec)?.name, "curve")
            check(spec.isStrongBoxBacked) { "StrongBox asked" }
            check(!spec.isUserAuthenticationRequired) { "no user authentication" }
            checkInOrder(
                listOf("KeyStore.load", "KeyPairGenerator[EC].initialize(strongBox=true)",
                    "KeyPairGenerator[EC].generateKeyPair(strongBox=true)", "KeyStore.isKeyEntry(${key.alias})",
                    "KeyStore.getCertificateChain(${key.alias})"),
                callsSince(0),
            )

            val from = StandIn.log.size
            val signature = keystore.sign(key.alias, message)
            check(jvmVerifies(leaf, "SHA256withECDSA", message, signature)) { "the JVM verifies the ECDSA signature" }
            check(keystore.verify(key.alias, message, signature)) { "the core verifies it with the key's public key" }
            checkEq(0x30, signature[0].toInt(), "DER ECDSA-Sig-Value")
            checkInOrder(
                listOf("KeyStore.load", "KeyStore.getKey(${key.alias})", "Signature[SHA256withECDSA].initSign(${key.alias})",
                    "Signature[SHA256withECDSA].update(${message.size} bytes)", "Signature[SHA256withECDSA].sign"),
                callsSince(from),
            )
        }

        test("no StrongBox: StrongBoxUnavailableException, then the TEE") {
            StandIn.strongBox = false
            val key = keystore.generate("p256", "auth", null, false)
            check(key.alias.startsWith("qoltanba-auth-")) { key.alias }
            checkEq("tee", key.level, "level")
            checkEq(1, key.attestation.size, "no challenge: one self-signed certificate")
            checkEq(null, Attestation.challengeOf(x509(key.attestation[0])), "no challenge, no KeyDescription")
            checkInOrder(
                listOf("KeyPairGenerator[EC].initialize(strongBox=true)", "KeyPairGenerator[EC].generateKeyPair(strongBox=true)",
                    "KeyPairGenerator[EC].initialize(strongBox=false)", "KeyPairGenerator[EC].generateKeyPair(strongBox=false)"),
                callsSince(0, "KeyPairGenerator"),
            )
            checkEq(false, StandIn.entry(key.alias)?.spec?.isStrongBoxBacked, "the key's spec")
            val signature = keystore.sign(key.alias, message)
            check(jvmVerifies(x509(key.attestation[0]), "SHA256withECDSA", message, signature)) { "verifies" }
            val attested = keystore.generate("p256", "sign", "ch".toByteArray(), false)
            checkEq("tee", attested.level, "level")
            checkEq("tee", authority.verify(attested.attestation, "ch".toByteArray()), "the RA's verdict")
        }

        test("RSA-2048: key size, PKCS#1 padding, SHA256withRSA") {
            val key = keystore.generate("rsa2048", "both", "c".toByteArray(), false)
            checkEq("rsa2048", key.algorithm, "algorithm")
            val spec = StandIn.entry(key.alias)?.spec ?: throw CheckFailed("no entry")
            checkEq(2048, spec.keySize, "key size")
            checkEq(listOf(KeyProperties.SIGNATURE_PADDING_RSA_PKCS1), spec.signaturePaddings, "paddings")
            checkEq(listOf(KeyProperties.DIGEST_SHA256), spec.digests, "digests")
            val signature = keystore.sign(key.alias, message)
            checkEq(256, signature.size, "a 2048-bit PKCS#1 signature")
            check(jvmVerifies(x509(key.attestation[0]), "SHA256withRSA", message, signature)) { "the JVM verifies" }
            check(keystore.verify(key.alias, message, signature)) { "the core verifies" }
            checkEq("strongbox", authority.verify(key.attestation, "c".toByteArray()), "the RA's verdict")
        }

        test("GOST 2015-512: sealed under an AES-GCM key in AndroidKeyStore") {
            val key = keystore.generate("gost512", "sign", "ignored".toByteArray(), false)
            checkEq("gost512", key.algorithm, "algorithm")
            checkEq("hardware-wrapped", key.level, "level")
            checkEq(0, key.attestation.size, "no attestation for a wrapped key")
            val wrapping = StandIn.entry("qoltanba.wrapping-key") ?: throw CheckFailed("no wrapping key")
            checkEq(KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT, wrapping.spec.purposes, "purposes")
            checkEq(listOf(KeyProperties.BLOCK_MODE_GCM), wrapping.spec.blockModes, "block modes")
            checkEq(listOf(KeyProperties.ENCRYPTION_PADDING_NONE), wrapping.spec.encryptionPaddings, "paddings")
            checkEq(256, wrapping.spec.keySize, "AES-256")
            check(wrapping.spec.isStrongBoxBacked) { "StrongBox first" }
            val sealed = File(dir, "keys/wrapped/${key.alias}.sealed").readBytes()
            val iv = StandIn.lastIv ?: throw CheckFailed("no IV")
            checkEq(12, iv.size, "GCM IV")
            check(sealed.copyOfRange(0, 12).contentEquals(iv)) { "the sealed key starts with the cipher's IV" }
            checkInOrder(
                listOf("KeyStore.getKey(qoltanba.wrapping-key)", "KeyGenerator[AES].init(strongBox=true)",
                    "KeyGenerator[AES].generateKey(strongBox=true)", "Cipher[AES/GCM/NoPadding].init(ENCRYPT_MODE, qoltanba.wrapping-key)",
                    "Cipher[AES/GCM/NoPadding].updateAAD(${key.alias})", "Cipher[AES/GCM/NoPadding].doFinal"),
                callsSince(0),
            )
            val from = StandIn.log.size
            val signature = keystore.sign(key.alias, message)
            checkEq(128, signature.size, "GOST 2015-512 r||s")
            check(keystore.verify(key.alias, message, signature)) { "the core verifies the GOST signature" }
            check(!keystore.verify(key.alias, "other".toByteArray(), signature)) { "not for another message" }
            checkInOrder(
                listOf("Cipher[AES/GCM/NoPadding].init(DECRYPT_MODE, qoltanba.wrapping-key)",
                    "Cipher[AES/GCM/NoPadding].updateAAD(${key.alias})", "Cipher[AES/GCM/NoPadding].doFinal"),
                callsSince(from),
            )
            // A second GOST key reuses the wrapping key.
            StandIn.log.clear()
            keystore.generate("gost512", "auth", null, false)
            checkEq(0, callsSince(0, "KeyGenerator").size, "no second wrapping key")
            // A sealed key altered on disk does not open.
            val file = File(dir, "keys/wrapped/${key.alias}.sealed")
            file.writeBytes(sealed.copyOf().also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() })
            val e = expectThrows<QoltanbaException.Keystore>("altered") { keystore.sign(key.alias, message) }
            check(e.detail.contains("damaged")) { e.detail }
            file.writeBytes(sealed)
        }

        test("bind the issued certificate; list; delete") {
            val key = keystore.generate("p256", "sign", "ch".toByteArray(), false)
            val gost = keystore.generate("gost512", "sign", null, false)
            val attestationLeaf = x509(key.attestation[0])
            // A CA, as the RA, issues a certificate for the keystore key.
            val caPair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
            val caCert = Certificates.mint("Test CA", caPair.public, "Test CA", caPair.private, ca = true)
            val issued = Certificates.mint("ТЕСТОВ ТЕСТ", attestationLeaf.publicKey, "Test CA", caPair.private)
            keystore.bindCertificate(key.alias, issued.encoded, listOf(caCert.encoded))
            val bound = keystore.key(key.alias)
            check(bound.certificate?.contentEquals(issued.encoded) == true) { "the certificate is bound" }
            checkEq(key.attestation.map { it.toList() }, bound.attestation.map { it.toList() }, "the attestation is kept")
            checkEq("strongbox", bound.level, "level")
            val chain = StandIn.entry(key.alias)?.chain ?: throw CheckFailed("no chain")
            checkEq(listOf(issued, caCert), chain.toList(), "the keystore's chain: issued, CA")
            // Still signs, verifiable with the issued certificate.
            val signature = keystore.sign(key.alias, message)
            check(jvmVerifies(issued, "SHA256withECDSA", message, signature)) { "verifies with the issued certificate" }
            // A certificate for another key is refused by the keystore.
            val other = Certificates.mint("other", caPair.public, "Test CA", caPair.private)
            val e = expectThrows<QoltanbaException.Keystore>("wrong key") {
                keystore.bindCertificate(key.alias, other.encoded, emptyList())
            }
            check(e.detail.contains("KeyStoreException")) { e.detail }
            // GOST keys keep their certificate beside the sealed key.
            keystore.bindCertificate(gost.alias, issued.encoded, emptyList())
            check(keystore.key(gost.alias).certificate?.contentEquals(issued.encoded) == true) { "GOST bound" }

            // Only qoltanba's keys are listed: not the wrapping key, not another app's.
            StandIn.entries["other-app-key"] = StandIn.entries.getValue(key.alias)
            val listed = keystore.list().map { it.alias }
            checkEq(listOf(gost.alias, key.alias).sorted(), listed, "listed")
            keystore.delete(key.alias)
            keystore.delete(gost.alias)
            checkEq(emptyList<String>(), keystore.list().map { it.alias }, "after delete")
            check(StandIn.entry(key.alias) == null) { "deleted from the keystore" }
            check(!File(dir, "keys/wrapped/${gost.alias}.sealed").exists()) { "the sealed key is gone" }
            keystore.delete(key.alias) // absent: nothing happens
            checkInOrder(listOf("KeyStore.containsAlias(${key.alias})"), callsSince(StandIn.log.size - 2))
        }

        test("a missing key is KeyFile (NoSuchKey)") {
            val missing = "qoltanba-sign-0000000000000000"
            val e = expectThrows<QoltanbaException.KeyFile>("sign") { keystore.sign(missing, message) }
            check(e.detail.contains(missing)) { e.detail }
            expectThrows<QoltanbaException.KeyFile>("key") { keystore.key(missing) }
            expectThrows<QoltanbaException.KeyFile>("bind") { keystore.bindCertificate(missing, byteArrayOf(1), emptyList()) }
            expectThrows<QoltanbaException.KeyFile>("not our alias") { keystore.sign("../etc/passwd", message) }
        }

        test("user authentication: the spec asks for it; signing without it is UserNotAuthenticated") {
            val key = keystore.generate("p256", "sign", null, true)
            val spec = StandIn.entry(key.alias)?.spec ?: throw CheckFailed("no entry")
            check(spec.isUserAuthenticationRequired) { "required" }
            checkEq(KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL, spec.userAuthenticationType, "type")
            check(spec.userAuthenticationValidityDurationSeconds > 0) { "a validity window" }
            StandIn.userAuthenticated = false
            val e = expectThrows<QoltanbaException.UserNotAuthenticated>("locked") { keystore.sign(key.alias, message) }
            checkEq("user_not_authenticated", errorCode(e), "code")
            check(e.detail.contains("unlock", ignoreCase = true)) { e.detail }
            StandIn.userAuthenticated = true
            keystore.sign(key.alias, message)

            // GOST: its own wrapping key, which needs the unlock too.
            val gost = keystore.generate("gost512", "sign", null, true)
            val wrapping = StandIn.entry("qoltanba.wrapping-key.user-auth") ?: throw CheckFailed("no auth wrapping key")
            check(wrapping.spec.isUserAuthenticationRequired) { "the wrapping key needs the unlock" }
            StandIn.userAuthenticated = false
            expectThrows<QoltanbaException.UserNotAuthenticated>("locked GOST") { keystore.sign(gost.alias, message) }
            StandIn.userAuthenticated = true
            check(keystore.verify(gost.alias, message, keystore.sign(gost.alias, message))) { "unlocked GOST signs" }
        }

        test("an algorithm the device refuses, and RSA-3072, are InvalidInput (Unsupported)") {
            StandIn.refused += "RSA"
            val e = expectThrows<QoltanbaException.InvalidInput>("RSA refused") { keystore.generate("rsa2048", "sign", null, false) }
            check(e.detail.contains("rsa2048")) { e.detail }
            StandIn.refused.clear()
            StandIn.log.clear()
            expectThrows<QoltanbaException.InvalidInput>("RSA-3072") { keystore.generate("rsa3072", "sign", null, false) }
            checkEq(emptyList<String>(), callsSince(0), "RSA-3072 never reaches Java")
            checkEq(emptyList<String>(), keystore.list().map { it.alias }, "nothing was made")
        }

        test("a Java exception in the keystore is a typed Keystore error; the next call works") {
            StandIn.failNext = ProviderException("keystore daemon died")
            val e = expectThrows<QoltanbaException.Keystore>("generate") { keystore.generate("p256", "sign", null, false) }
            checkEq("keystore", errorCode(e), "code")
            check(e.detail.contains("java.security.ProviderException: keystore daemon died")) { e.detail }
            check(!e.detail.contains('\n')) { "one line" }
            val key = keystore.generate("p256", "sign", null, false)
            StandIn.failNext = IllegalStateException("binder died")
            val sign = expectThrows<QoltanbaException.Keystore>("sign") { keystore.sign(key.alias, message) }
            check(sign.detail.contains("IllegalStateException: binder died")) { sign.detail }
            StandIn.failNext = RuntimeException("while listing")
            expectThrows<QoltanbaException.Keystore>("list") { keystore.list() }
            keystore.sign(key.alias, message)
            keystore.delete(key.alias)
        }

        test("the attestation's level wins: a key attested in software is Software") {
            StandIn.attestedLevel = "software"
            val key = keystore.generate("p256", "sign", "c".toByteArray(), false)
            checkEq("software", key.level, "level")
            checkEq(0, Attestation.levelOf(x509(key.attestation[0])), "attested")
            val refused = expectThrows<QoltanbaException.InvalidInput>("the RA refuses a key in software") {
                authority.verify(key.attestation, "c".toByteArray())
            }
            check(refused.detail.contains("software")) { refused.detail }
            checkEq("software", keystore.key(key.alias).level, "listed level")
        }

        test("many calls: local references are freed (no JNI frame grows)") {
            val keys = (1..3).map { keystore.generate("p256", "sign", null, false) }
            repeat(150) { i ->
                keystore.sign(keys[i % keys.size].alias, message)
                if (i % 50 == 0) checkEq(3, keystore.list().size, "listed")
            }
            keys.forEach { keystore.delete(it.alias) }
        }
    }

    // The whole renewal through PlatformKeys.system (the Android code here)
    // against the reference RA, which checks and records the attestations.
    tests += "renewal into AndroidKeyStore: locked phone, unlock, resume; attested StrongBox keys checked by the RA" to {
        StandIn.reset()
        EmbeddedServer.start().use { server ->
            // The stand-in's chains come from the authority this RA pins.
            StandIn.minter = { publicKey, challenge, level -> server.mintAttestation(publicKey, challenge, level) }
            val dir = tempDir("android-renewal")
            val password = "Citizen2026a"
            val files = server.enroll("90010130016", "p256", 7L, password, File(dir, "citizen").path)
            PlatformKeys.system(File(dir, "keystore").path).use { keystore ->
                checkEq("android", keystore.platform(), "PlatformKeys.system is the Android code")
                App.open(File(dir, "app.db").path, server.url(), server.rootDer()).use { app ->
                    // Locked: the new keys are made, but cannot sign the application.
                    StandIn.userAuthenticated = false
                    val request = KeystoreRenewal(files, password, "testov@example.kz", "Astana")
                    val e = expectThrows<QoltanbaException.UserNotAuthenticated>("the phone is locked") {
                        runBlocking { startConfirmed(app, keystore, request, null) }
                    }
                    checkEq("user_not_authenticated", errorCode(e), "code")
                    check(e.detail.contains("unlock")) { e.detail }
                    val made = StandIn.entries.filterKeys { it.startsWith("qoltanba-") }
                    checkEq(2, made.size, "AUTH and SIGN keys made while locked")
                    check(made.values.all { it.spec.isUserAuthenticationRequired && it.strongBox }) {
                        "user authentication and StrongBox asked for: ${made.values.map { it.spec }}"
                    }
                    check(made.values.all { it.spec.attestationChallenge?.isNotEmpty() == true }) {
                        "an attestation challenge (the login's nonce)"
                    }
                    val id = app.unfinishedRenewals().singleOrNull() ?: throw CheckFailed("one unfinished renewal")

                    // Unlocked: resuming signs with the keys made before (a
                    // new login; the RA still accepts the first login's nonce).
                    StandIn.userAuthenticated = true
                    val state = runBlocking { app.resume(id, KeySource.Keystore(keystore, password), null, null) }
                    val number = state.needsCode ?: throw CheckFailed("no code asked: $state")
                    val done = finishWithCode(server, app, state, KeySource.Keystore(keystore, password))
                    checkEq(RenewalStep.DONE, done.step, "renewed")
                    checkEq("auth:strongbox sign:strongbox", server.attestationOf(number), "the RA's record")

                    val aliases = done.summary!!.newCertificates.map { it.location }
                    checkEq(made.keys, aliases.toSet(), "the certificates belong to the keys made while locked")
                    val listed = keystore.list()
                    checkEq(made.keys, listed.map { it.alias }.toSet(), "listed")
                    check(listed.all { it.level == KeyLevel.STRONG_BOX && it.attested && it.hasCertificate }) {
                        "levels, attestations and certificates: $listed"
                    }
                    // The keystore holds the issued certificate now; its key verifies a signature.
                    for (alias in aliases) {
                        val issued = StandIn.entry(alias)!!.chain!![0] as X509Certificate
                        check(jvmVerifies(issued, "SHA256withECDSA", message, keystore.sign(alias, message))) {
                            "$alias signs under its issued certificate"
                        }
                    }
                    checkEq(aliases.map { "keystore:$it" }.toSet(), app.keys().filter { !it.replaced }.map { it.location }.toSet(), "keys()")
                }
            }
        }
    }

    // Last: it makes the core forget the VM JNI_OnLoad gave it.
    tests += "android keystore: the VM found through JNI_GetCreatedJavaVMs without JNI_OnLoad" to {
        StandIn.reset()
        StandIn.minter = { publicKey, challenge, level -> authority.mint(publicKey, challenge, level) }
        val keystore = TestingAndroidKeystore.open(File(tempDir("android-keystore"), "keys").path)
        opened += keystore
        testingForgetJavaVm()
        checkEq(null, testingJavaVmSource(), "forgotten")
        val key = keystore.generate("p256", "sign", null, false)
        checkEq("JNI_GetCreatedJavaVMs", testingJavaVmSource(), "VM source")
        keystore.setNewThreads(true)
        check(jvmVerifies(x509(key.attestation[0]), "SHA256withECDSA", message, keystore.sign(key.alias, message))) { "signs" }
    }

    val selected = tests.filter { filter == null || it.first.contains(filter) }
    if (selected.isEmpty()) {
        println("no Android keystore test matched")
        kotlin.system.exitProcess(0)
    }
    val t = Runner(null)
    selected.forEach { (name, block) -> t.test(name, block) }
    opened.forEach { it.close() }
    authority.close()
    kotlin.system.exitProcess(t.finish())
}


/**
 * The cost of the core's keystore calls through JNI on the JVM
 * (scripts/kotlin-tests.sh --release --bench): what the JNI layer and the
 * thread attachment add on top of the stand-in's JCA work (SunEC,
 * SunRsaSign, SunJCE). A phone's TEE and StrongBox are far slower; these are
 * not its figures.
 */
fun bench() {
    val message = "qoltanba: the reissue application".toByteArray()
    val authority = TestingAttestationAuthority()
    StandIn.reset()
    StandIn.minter = { publicKey, challenge, level -> authority.mint(publicKey, challenge, level) }
    fun perCall(label: String, calls: Int, block: () -> Unit) {
        repeat(calls / 5) { block() } // warm-up (JIT, JNA, the VM's method lookups)
        val best = (1..5).minOf {
            val started = System.nanoTime()
            repeat(calls) { block() }
            System.nanoTime() - started
        }
        println("%-58s %9.1f µs per call (best of 5 × %d)".format(label, best / 1000.0 / calls, calls))
    }
    val dir = tempDir("android-bench")
    TestingAndroidKeystore.open(File(dir, "keys").path).use { keystore ->
        val p256 = keystore.generate("p256", "sign", null, false).alias
        val rsa = keystore.generate("rsa2048", "sign", null, false).alias
        val gost = keystore.generate("gost512", "both", null, false).alias
        for (newThreads in listOf(false, true)) {
            keystore.setNewThreads(newThreads)
            val where = if (newThreads) "a new thread, attached per call" else "a Java thread"
            perCall("JNI sign P-256 ($where)", 2_000) { keystore.sign(p256, message) }
        }
        keystore.setNewThreads(false)
        perCall("JNI sign RSA-2048 (a Java thread)", 500) { keystore.sign(rsa, message) }
        perCall("JNI sign GOST-512: unseal (AES-GCM) + sign", 500) { keystore.sign(gost, message) }
        perCall("JNI list (3 keys)", 2_000) { keystore.list() }
        perCall("JNI generate P-256 with attestation, then delete", 200) {
            keystore.delete(keystore.generate("p256", "sign", "challenge".toByteArray(), false).alias)
        }
    }
    authority.close()
}
