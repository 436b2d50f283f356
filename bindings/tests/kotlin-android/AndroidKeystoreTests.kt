// The core's Android keystore code (JNI to AndroidKeyStore, in
// keystore-android/) on the desktop JVM: the library is loaded with
// System.loadLibrary (its JNI_OnLoad hands the VM to the core) and driven
// through the test-only TestingAndroidKeystore export; the
// android.security.keystore classes and the "AndroidKeyStore" provider are
// the stand-ins beside this file. Run by scripts/kotlin-tests.sh (library
// built with features testing,jvm-keystore), in its own JVM.
//
// The cases that hold for any AndroidKeyStore are kotlin-common/KeystoreCases.kt,
// which the instrumented tests run on an emulator too; here they run against
// the stand-in (StandInDevice), followed by what only the stand-in can show:
// the exact JNI call sequence, injected Java exceptions, a refused algorithm,
// a forced attestation level.
package kz.qoltanba.tests.android

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyPairGenerator
import java.security.ProviderException
import java.security.cert.X509Certificate
import java.security.spec.ECGenParameterSpec
import kz.qoltanba.core.*
import kz.qoltanba.tests.CheckFailed
import kz.qoltanba.tests.Runner
import kz.qoltanba.tests.check
import kz.qoltanba.tests.checkEq
import kz.qoltanba.tests.expectThrows
import kz.qoltanba.tests.tempDir

/** The calls logged since [from] that mention [word]. */
fun callsSince(from: Int, word: String = ""): List<String> =
    synchronized(StandIn.log) { StandIn.log.drop(from).filter { it.contains(word) } }

/** Checks [expected] appears in [calls] in this order (other calls may come between). */
fun checkInOrder(expected: List<String>, calls: List<String>) {
    var at = 0
    for (call in calls) if (at < expected.size && call.startsWith(expected[at])) at++
    check(at == expected.size) { "expected in order: $expected\nmissing: ${expected.drop(at)}\ncalls: $calls" }
}

/**
 * The shared cases' device: the stand-in, with StrongBox or (as an
 * emulator) without; its chains minted by [minter] (the server's test
 * attestation authority).
 */
class StandInDevice(
    private val strongBox: Boolean,
    var minter: (publicKey: ByteArray, challenge: ByteArray, level: String) -> List<ByteArray>,
    private val authority: TestingAttestationAuthority,
    /** The level every attestation states (`software`: an emulator), or the real one. */
    private val attestedLevel: String? = null,
) : KeystoreDevice {
    override val hasStrongBox: Boolean get() = StandIn.strongBox

    override fun reset() {
        StandIn.reset()
        StandIn.strongBox = strongBox
        StandIn.minter = minter
        StandIn.attestedLevel = attestedLevel
    }

    override fun facts(alias: String): KeyFacts? = StandIn.entry(alias)?.let { entry ->
        val spec = entry.spec
        KeyFacts(
            purposes = spec.purposes,
            digests = spec.digests,
            keySize = spec.keySize,
            signaturePaddings = spec.signaturePaddings,
            blockModes = spec.blockModes,
            encryptionPaddings = spec.encryptionPaddings,
            userAuthenticationRequired = spec.isUserAuthenticationRequired,
            userAuthenticationType = spec.userAuthenticationType,
            userAuthenticationValiditySeconds = spec.userAuthenticationValidityDurationSeconds,
            strongBox = entry.strongBox,
        )
    }

    override fun chain(alias: String): List<X509Certificate>? =
        StandIn.entry(alias)?.chain?.map { it as X509Certificate }

    override fun addForeignKey(alias: String) {
        KeyPairGenerator.getInstance("EC", "AndroidKeyStore").apply {
            initialize(
                KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
                    .setDigests(KeyProperties.DIGEST_SHA256)
                    .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
                    .build(),
            )
        }.generateKeyPair()
    }

    /** The RA's check pinning the test authority's root (a software key is refused). */
    override fun raVerdict(chain: List<ByteArray>, challenge: ByteArray): String = authority.verify(chain, challenge)

    override fun lock() {
        StandIn.userAuthenticated = false
    }

    override fun unlock() {
        StandIn.userAuthenticated = true
    }
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
    val message = MESSAGE
    val opened = mutableListOf<TestingAndroidKeystore>()
    // The stand-in's attestation chains come from the server's test authority.
    val authority = TestingAttestationAuthority()
    val mint = { publicKey: ByteArray, challenge: ByteArray, level: String -> authority.mint(publicKey, challenge, level) }
    val device = StandInDevice(true, mint, authority)
    val emulator = StandInDevice(false, mint, authority)

    tests += "android keystore: the VM came through JNI_OnLoad" to { checkVmFromOnLoad() }

    // The shared cases, three times: calls on the caller's thread (a Java
    // thread, through JNA) and on a new thread the VM has never seen, on a
    // device with StrongBox; and on one without (as the emulators are).
    for ((mode, on, newThreads) in listOf(
        Triple("calling thread", device, false),
        Triple("new thread", device, true),
        Triple("no StrongBox", emulator, false),
    )) {
        for (case in keystoreCases()) {
            tests += "android keystore ($mode): ${case.name}" to { runKeystoreCase(on, case, newThreads) }
        }
    }

    // What only the stand-in shows.
    lateinit var dir: File
    lateinit var keystore: TestingAndroidKeystore
    fun test(name: String, block: () -> Unit) {
        tests += "android keystore (stand-in): $name" to {
            device.reset()
            dir = tempDir("android-keystore")
            keystore = TestingAndroidKeystore.open(File(dir, "keys").path).also { opened += it }
            block()
        }
    }

    test("the JNI calls of a P-256 key in StrongBox with a challenge, and of a signature") {
        val key = keystore.generate("p256", "sign", "login-challenge-42".toByteArray(), false)
        checkEq(4, key.attestation.size, "attestation chain: leaf, attestation key, intermediate, root")
        checkEq(2, KeyDescription.levelOf(x509(key.attestation[0])), "attested level StrongBox")
        // The spec the core built, as Android's KeyPairGenerator receives it.
        val spec = StandIn.entry(key.alias)?.spec ?: throw CheckFailed("no entry ${key.alias}")
        checkEq(listOf(KeyProperties.DIGEST_SHA256), spec.digests, "digests")
        checkEq(KeyProperties.PURPOSE_SIGN, spec.purposes, "purposes")
        checkEq("secp256r1", (spec.algorithmParameterSpec as? ECGenParameterSpec)?.name, "curve")
        check(spec.isStrongBoxBacked) { "StrongBox asked" }
        checkInOrder(
            listOf("KeyStore.load", "KeyPairGenerator[EC].initialize(strongBox=true)",
                "KeyPairGenerator[EC].generateKeyPair(strongBox=true)", "KeyStore.isKeyEntry(${key.alias})",
                "KeyStore.getCertificateChain(${key.alias})"),
            callsSince(0),
        )
        val from = StandIn.log.size
        keystore.sign(key.alias, message)
        checkInOrder(
            listOf("KeyStore.load", "KeyStore.getKey(${key.alias})", "Signature[SHA256withECDSA].initSign(${key.alias})",
                "Signature[SHA256withECDSA].update(${message.size} bytes)", "Signature[SHA256withECDSA].sign"),
            callsSince(from),
        )
    }

    test("no StrongBox: StrongBoxUnavailableException, then the TEE") {
        StandIn.strongBox = false
        val key = keystore.generate("p256", "auth", null, false)
        checkEq("tee", key.level, "level")
        checkInOrder(
            listOf("KeyPairGenerator[EC].initialize(strongBox=true)", "KeyPairGenerator[EC].generateKeyPair(strongBox=true)",
                "KeyPairGenerator[EC].initialize(strongBox=false)", "KeyPairGenerator[EC].generateKeyPair(strongBox=false)"),
            callsSince(0, "KeyPairGenerator"),
        )
        checkEq(false, StandIn.entry(key.alias)?.spec?.isStrongBoxBacked, "the key's spec")
        val attested = keystore.generate("p256", "sign", "ch".toByteArray(), false)
        checkEq("tee", attested.level, "level")
        checkEq("tee", authority.verify(attested.attestation, "ch".toByteArray()), "the RA's verdict")
    }

    test("the JNI calls of sealing and opening a GOST key; one wrapping key for all") {
        val key = keystore.generate("gost512", "sign", null, false)
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
        keystore.sign(key.alias, message)
        checkInOrder(
            listOf("Cipher[AES/GCM/NoPadding].init(DECRYPT_MODE, qoltanba.wrapping-key)",
                "Cipher[AES/GCM/NoPadding].updateAAD(${key.alias})", "Cipher[AES/GCM/NoPadding].doFinal"),
            callsSince(from),
        )
        StandIn.log.clear()
        keystore.generate("gost512", "auth", null, false)
        checkEq(0, callsSince(0, "KeyGenerator").size, "no second wrapping key")
    }

    test("a KeyStoreException from setKeyEntry is a Keystore error; deleting an absent key asks containsAlias") {
        // The stand-in refuses a certificate for another key; Android's
        // keystore2 stores whatever it is given (updateSubcomponents), so the
        // renewal checks the issued certificate's key itself (flow.rs).
        val key = keystore.generate("p256", "sign", null, false)
        val caPair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
        val other = Certificates.mint("other", caPair.public, "Test CA", caPair.private)
        val e = expectThrows<QoltanbaException.Keystore>("wrong key") {
            keystore.bindCertificate(key.alias, other.encoded, emptyList())
        }
        check(e.detail.contains("KeyStoreException")) { e.detail }
        keystore.delete(key.alias)
        keystore.delete(key.alias)
        checkInOrder(listOf("KeyStore.containsAlias(${key.alias})"), callsSince(StandIn.log.size - 2))
    }

    test("an algorithm the device refuses is InvalidInput (Unsupported); RSA-3072 never reaches Java") {
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
        checkEq(0, KeyDescription.levelOf(x509(key.attestation[0])), "attested")
        val refused = expectThrows<QoltanbaException.InvalidInput>("the RA refuses a key in software") {
            authority.verify(key.attestation, "c".toByteArray())
        }
        check(refused.detail.contains("software")) { refused.detail }
        checkEq("software", keystore.key(key.alias).level, "listed level")
    }

    // The whole renewal through PlatformKeys.system (the Android code here)
    // against the reference RA, which checks and records the attestations:
    // the stand-in's chains come from the authority this RA pins.
    tests += "renewal into AndroidKeyStore: locked phone, unlock, resume; attested StrongBox keys checked by the RA" to {
        EmbeddedServer.start().use { server ->
            device.minter = { publicKey, challenge, level -> server.mintAttestation(publicKey, challenge, level) }
            try {
                keystoreRenewalLockedThenUnlocked(server, device, "90010130016")
            } finally {
                device.minter = mint
            }
        }
    }

    // The renewal as the emulators run it (android/core/src/androidTest):
    // no StrongBox, attestations that say `software` under a root the RA
    // does not pin by itself; the RA is started trusting that root and
    // software keys (EmbeddedServer.startTrusting).
    tests += "renewal into AndroidKeyStore as on an emulator: software attestation under a root the RA is told to trust" to {
        val emulatorAuthority = TestingAttestationAuthority()
        val softwareDevice = StandInDevice(
            false,
            { publicKey, challenge, level -> emulatorAuthority.mint(publicKey, challenge, level) },
            emulatorAuthority,
            attestedLevel = "software",
        )
        val probe = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
        val root = emulatorAuthority.mint(probe.public.encoded, "probe".toByteArray(), "software").last()
        EmbeddedServer.startTrusting(listOf(root), true).use { server ->
            keystoreRenewalLockedThenUnlocked(server, softwareDevice, "90010130017")
        }
        expectThrows<QoltanbaException.InvalidInput>("not a certificate") {
            EmbeddedServer.startTrusting(listOf(byteArrayOf(1, 2, 3)), true)
        }
        emulatorAuthority.close()
    }

    // Last: it makes the core forget the VM JNI_OnLoad gave it.
    tests += "android keystore: the VM found through JNI_GetCreatedJavaVMs without JNI_OnLoad" to {
        checkVmFoundWithoutOnLoad(device)
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
