// A JCA provider named "AndroidKeyStore" for the desktop JVM, standing in
// for Android's: an in-memory KeyStore, KeyPairGenerators for EC and RSA and
// a KeyGenerator for AES that take a KeyGenParameterSpec, and the Signature
// and Cipher implementations that use its keys (as on Android, the keys it
// hands out have no encoding, so the JCA picks this provider for them). Keys
// are real (SunEC, SunRsaSign, SunJCE) behind the stand-in's handles.
//
// Switches the tests flip (StandIn): no StrongBox, the user not
// authenticated, an algorithm refused, a Java exception on the next call.
// Every call is logged, so a test can check the sequence the core ran.
package kz.qoltanba.tests.android

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.security.keystore.UserNotAuthenticatedException
import java.io.ByteArrayOutputStream
import java.io.InputStream
import java.io.OutputStream
import java.math.BigInteger
import java.nio.ByteBuffer
import java.security.AlgorithmParameters
import java.security.InvalidAlgorithmParameterException
import java.security.InvalidKeyException
import java.security.Key
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.KeyPairGeneratorSpi
import java.security.KeyStoreException
import java.security.KeyStoreSpi
import java.security.PrivateKey
import java.security.ProviderException
import java.security.Provider
import java.security.PublicKey
import java.security.SecureRandom
import java.security.Signature
import java.security.SignatureSpi
import java.security.UnrecoverableKeyException
import java.security.cert.Certificate
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import java.security.spec.AlgorithmParameterSpec
import java.security.spec.ECGenParameterSpec
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.util.Collections
import java.util.Date
import java.util.Enumeration
import javax.crypto.Cipher
import javax.crypto.CipherSpi
import javax.crypto.KeyGenerator
import javax.crypto.KeyGeneratorSpi
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/** What the stand-in holds and the switches the tests flip. */
object StandIn {
    class Entry(
        val key: Key,
        @Volatile var chain: Array<Certificate>?,
        val spec: KeyGenParameterSpec,
        val strongBox: Boolean,
        val created: Date = Date(),
    )

    val entries: MutableMap<String, Entry> = Collections.synchronizedMap(LinkedHashMap())
    /** The calls made into the provider, in order. */
    val log: MutableList<String> = Collections.synchronizedList(mutableListOf())

    /** Whether the device has StrongBox. */
    @Volatile var strongBox = true
    /** Whether the user unlocked recently (keys that need it work only then). */
    @Volatile var userAuthenticated = true
    /** Algorithms (JCA names: "EC", "RSA", "AES") this "device" does not offer. */
    val refused: MutableSet<String> = Collections.synchronizedSet(mutableSetOf())
    /** Thrown by the next call into the provider, once. */
    @Volatile var failNext: RuntimeException? = null
    /** The IV the last encryption chose. */
    @Volatile var lastIv: ByteArray? = null
    /**
     * Mints the attestation chain of a key made with a challenge: its public
     * key (DER SubjectPublicKeyInfo), the challenge and the level (`tee`,
     * `strongbox`, `software`) to DER certificates, leaf first, as a phone's
     * keystore returns them (the tests use the server's test attestation
     * authority through TestingAttestationAuthority).
     */
    @Volatile var minter: ((publicKey: ByteArray, challenge: ByteArray, level: String) -> List<ByteArray>)? = null
    /** The level the attestation states, when not the real one (`software`: an emulator). */
    @Volatile var attestedLevel: String? = null

    fun reset() {
        entries.clear()
        log.clear()
        strongBox = true
        userAuthenticated = true
        refused.clear()
        failNext = null
        lastIv = null
        minter = null
        attestedLevel = null
    }

    /** Logs a call and throws [failNext] if set. */
    fun step(call: String) {
        log += call
        failNext?.let {
            failNext = null
            throw it
        }
    }

    fun entry(alias: String): Entry? = entries[alias]

    fun install() {
        if (java.security.Security.getProvider("AndroidKeyStore") == null) {
            java.security.Security.addProvider(AndroidKeyStoreStandIn())
        }
    }
}

/** The provider, as Android's AndroidKeyStoreProvider registers it. */
class AndroidKeyStoreStandIn : Provider("AndroidKeyStore", "1.0", "stand-in for Android's AndroidKeyStore (tests)") {
    init {
        val p = "kz.qoltanba.tests.android."
        val privateKeys = mapOf("SupportedKeyClasses" to "${p}StandInPrivateKey")
        val secretKeys = mapOf("SupportedKeyClasses" to "${p}StandInSecretKey")
        putService(Service(this, "KeyStore", "AndroidKeyStore", "${p}StandInKeyStore", null, null))
        putService(Service(this, "KeyPairGenerator", "EC", "${p}StandInEcKeyPairGenerator", null, null))
        putService(Service(this, "KeyPairGenerator", "RSA", "${p}StandInRsaKeyPairGenerator", null, null))
        putService(Service(this, "KeyGenerator", "AES", "${p}StandInAesKeyGenerator", null, null))
        putService(Service(this, "Signature", "SHA256withECDSA", "${p}StandInEcdsaSignature", null, privateKeys))
        putService(Service(this, "Signature", "SHA256withRSA", "${p}StandInRsaSignature", null, privateKeys))
        putService(Service(this, "Cipher", "AES/GCM/NoPadding", "${p}StandInAesGcmCipher", null, secretKeys))
    }

    // A "device" without an algorithm: getInstance(…, "AndroidKeyStore")
    // throws NoSuchAlgorithmException, as on Android.
    override fun getService(type: String, algorithm: String): Service? {
        val base = algorithm.substringBefore('/')
        if (type in setOf("KeyPairGenerator", "KeyGenerator") && StandIn.refused.contains(base)) return null
        return super.getService(type, algorithm)
    }
}

/** A private key inside the "hardware": no encoding, as Android's. */
class StandInPrivateKey(val alias: String, internal val inner: PrivateKey) : PrivateKey {
    override fun getAlgorithm(): String = inner.algorithm
    override fun getFormat(): String? = null
    override fun getEncoded(): ByteArray? = null
}

/** A secret key inside the "hardware". */
class StandInSecretKey(val alias: String, internal val inner: SecretKey) : SecretKey {
    override fun getAlgorithm(): String = "AES"
    override fun getFormat(): String? = null
    override fun getEncoded(): ByteArray? = null
}

private fun requireAuthentication(alias: String) {
    val entry = StandIn.entry(alias) ?: throw InvalidKeyException("key $alias was deleted")
    if (entry.spec.isUserAuthenticationRequired && !StandIn.userAuthenticated) {
        throw UserNotAuthenticatedException()
    }
}

class StandInKeyStore : KeyStoreSpi() {
    override fun engineLoad(stream: InputStream?, password: CharArray?) {
        StandIn.step("KeyStore.load")
        if (stream != null) throw IllegalArgumentException("InputStream not supported")
    }

    override fun engineLoad(param: java.security.KeyStore.LoadStoreParameter?) {
        StandIn.step("KeyStore.load")
        if (param != null) throw IllegalArgumentException("LoadStoreParameter not supported")
    }

    override fun engineGetKey(alias: String, password: CharArray?): Key? {
        StandIn.step("KeyStore.getKey($alias)")
        if (password != null) throw UnrecoverableKeyException("AndroidKeyStore keys have no password")
        return StandIn.entry(alias)?.key
    }

    override fun engineGetCertificateChain(alias: String): Array<Certificate>? {
        StandIn.step("KeyStore.getCertificateChain($alias)")
        return StandIn.entry(alias)?.chain?.clone()
    }

    override fun engineGetCertificate(alias: String): Certificate? = StandIn.entry(alias)?.chain?.firstOrNull()
    override fun engineGetCreationDate(alias: String): Date? = StandIn.entry(alias)?.created

    override fun engineSetKeyEntry(alias: String, key: Key, password: CharArray?, chain: Array<Certificate>?) {
        StandIn.step("KeyStore.setKeyEntry($alias, ${chain?.size ?: 0} certificates)")
        val entry = StandIn.entry(alias) ?: throw KeyStoreException("no key $alias")
        if (key !is StandInPrivateKey || key.alias != alias) {
            throw KeyStoreException("only the key's own handle can be stored under $alias")
        }
        if (password != null) throw KeyStoreException("entries are not password protected")
        if (chain.isNullOrEmpty() || chain.any { it !is X509Certificate }) {
            throw KeyStoreException("a certificate chain is needed")
        }
        // Stricter than Android, to catch a wrong certificate: it must be the key's.
        val current = entry.chain?.first()?.publicKey
        if (current != null && !current.encoded.contentEquals(chain[0].publicKey.encoded)) {
            throw KeyStoreException("the certificate is not for key $alias")
        }
        entry.chain = chain.clone()
    }

    override fun engineSetKeyEntry(alias: String, key: ByteArray, chain: Array<Certificate>?) =
        throw KeyStoreException("importing encoded keys is not supported")

    override fun engineSetCertificateEntry(alias: String, cert: Certificate) =
        throw KeyStoreException("certificate entries are not supported")

    override fun engineDeleteEntry(alias: String) {
        StandIn.step("KeyStore.deleteEntry($alias)")
        StandIn.entries.remove(alias)
    }

    override fun engineAliases(): Enumeration<String> {
        StandIn.step("KeyStore.aliases")
        return Collections.enumeration(synchronized(StandIn.entries) { StandIn.entries.keys.toList() })
    }

    override fun engineContainsAlias(alias: String): Boolean {
        StandIn.step("KeyStore.containsAlias($alias)")
        return StandIn.entries.containsKey(alias)
    }

    override fun engineSize(): Int = StandIn.entries.size

    override fun engineIsKeyEntry(alias: String): Boolean {
        StandIn.step("KeyStore.isKeyEntry($alias)")
        return StandIn.entries.containsKey(alias)
    }

    override fun engineIsCertificateEntry(alias: String): Boolean = false
    override fun engineGetCertificateAlias(cert: Certificate): String? = null
    override fun engineStore(stream: OutputStream?, password: CharArray?) =
        throw UnsupportedOperationException("AndroidKeyStore cannot be stored")
}

abstract class StandInKeyPairGenerator(private val algorithm: String) : KeyPairGeneratorSpi() {
    private var spec: KeyGenParameterSpec? = null

    override fun initialize(keysize: Int, random: SecureRandom?) =
        throw InvalidAlgorithmParameterException("AndroidKeyStore needs a KeyGenParameterSpec")

    override fun initialize(params: AlgorithmParameterSpec?, random: SecureRandom?) {
        StandIn.step("KeyPairGenerator[$algorithm].initialize(strongBox=${(params as? KeyGenParameterSpec)?.isStrongBoxBacked})")
        val spec = params as? KeyGenParameterSpec
            ?: throw InvalidAlgorithmParameterException("AndroidKeyStore needs a KeyGenParameterSpec")
        if (spec.purposes and KeyProperties.PURPOSE_SIGN == 0) {
            throw InvalidAlgorithmParameterException("a signing key was expected")
        }
        when (algorithm) {
            "EC" -> {
                val curve = (spec.algorithmParameterSpec as? ECGenParameterSpec)?.name
                if (curve != "secp256r1" || (spec.keySize != -1 && spec.keySize != 256)) {
                    throw InvalidAlgorithmParameterException("unsupported EC parameters: $curve/${spec.keySize}")
                }
            }
            "RSA" -> if (spec.keySize != 2048) {
                throw InvalidAlgorithmParameterException("unsupported RSA key size ${spec.keySize}")
            }
        }
        this.spec = spec
    }

    override fun generateKeyPair(): KeyPair {
        val spec = this.spec ?: throw IllegalStateException("not initialized")
        StandIn.step("KeyPairGenerator[$algorithm].generateKeyPair(strongBox=${spec.isStrongBoxBacked})")
        if (spec.isStrongBoxBacked && !StandIn.strongBox) {
            throw StrongBoxUnavailableException("Failed to generate key pair.")
        }
        val software = KeyPairGenerator.getInstance(algorithm, if (algorithm == "EC") "SunEC" else "SunRsaSign")
        if (algorithm == "EC") software.initialize(ECGenParameterSpec("secp256r1")) else software.initialize(2048)
        val pair = software.generateKeyPair()
        val chain = Attestation.chain(pair, spec)
        val handle = StandInPrivateKey(spec.keystoreAlias, pair.private)
        StandIn.entries[spec.keystoreAlias] = StandIn.Entry(handle, chain, spec, spec.isStrongBoxBacked)
        return KeyPair(pair.public, handle)
    }
}

class StandInEcKeyPairGenerator : StandInKeyPairGenerator("EC")
class StandInRsaKeyPairGenerator : StandInKeyPairGenerator("RSA")

class StandInAesKeyGenerator : KeyGeneratorSpi() {
    private var spec: KeyGenParameterSpec? = null

    override fun engineInit(random: SecureRandom?) =
        throw UnsupportedOperationException("AndroidKeyStore needs a KeyGenParameterSpec")

    override fun engineInit(keysize: Int, random: SecureRandom?) =
        throw UnsupportedOperationException("AndroidKeyStore needs a KeyGenParameterSpec")

    override fun engineInit(params: AlgorithmParameterSpec?, random: SecureRandom?) {
        StandIn.step("KeyGenerator[AES].init(strongBox=${(params as? KeyGenParameterSpec)?.isStrongBoxBacked})")
        val spec = params as? KeyGenParameterSpec
            ?: throw InvalidAlgorithmParameterException("AndroidKeyStore needs a KeyGenParameterSpec")
        if (spec.keySize != 256) throw InvalidAlgorithmParameterException("unsupported AES key size ${spec.keySize}")
        this.spec = spec
    }

    override fun engineGenerateKey(): SecretKey {
        val spec = this.spec ?: throw IllegalStateException("not initialized")
        StandIn.step("KeyGenerator[AES].generateKey(strongBox=${spec.isStrongBoxBacked})")
        if (spec.isStrongBoxBacked && !StandIn.strongBox) {
            throw StrongBoxUnavailableException("Failed to generate key.")
        }
        val software = KeyGenerator.getInstance("AES", "SunJCE")
        software.init(256)
        val handle = StandInSecretKey(spec.keystoreAlias, software.generateKey())
        StandIn.entries[spec.keystoreAlias] = StandIn.Entry(handle, null, spec, spec.isStrongBoxBacked)
        return handle
    }
}

abstract class StandInSignature(private val algorithm: String, private val softwareProvider: String) : SignatureSpi() {
    private var inner: Signature? = null

    override fun engineInitSign(privateKey: PrivateKey) {
        val key = privateKey as? StandInPrivateKey ?: throw InvalidKeyException("not an AndroidKeyStore key")
        StandIn.step("Signature[$algorithm].initSign(${key.alias})")
        requireAuthentication(key.alias)
        inner = Signature.getInstance(algorithm, softwareProvider).apply { initSign(key.inner) }
    }

    override fun engineInitVerify(publicKey: PublicKey) =
        throw InvalidKeyException("verify with the public key's own provider")

    override fun engineUpdate(b: Byte) {
        (inner ?: throw IllegalStateException("not initialized")).update(b)
    }

    override fun engineUpdate(b: ByteArray, off: Int, len: Int) {
        StandIn.step("Signature[$algorithm].update($len bytes)")
        (inner ?: throw IllegalStateException("not initialized")).update(b, off, len)
    }

    override fun engineSign(): ByteArray {
        StandIn.step("Signature[$algorithm].sign")
        return (inner ?: throw IllegalStateException("not initialized")).sign()
    }

    override fun engineVerify(sigBytes: ByteArray): Boolean = throw IllegalStateException("sign only")

    @Deprecated("JCA")
    override fun engineSetParameter(param: String?, value: Any?) = throw UnsupportedOperationException()

    @Deprecated("JCA")
    override fun engineGetParameter(param: String?): Any = throw UnsupportedOperationException()
}

class StandInEcdsaSignature : StandInSignature("SHA256withECDSA", "SunEC")
class StandInRsaSignature : StandInSignature("SHA256withRSA", "SunRsaSign")

class StandInAesGcmCipher : CipherSpi() {
    private var inner: Cipher? = null
    private fun cipher() = inner ?: throw IllegalStateException("not initialized")

    override fun engineSetMode(mode: String) {
        if (!mode.equals("GCM", ignoreCase = true)) throw java.security.NoSuchAlgorithmException(mode)
    }

    override fun engineSetPadding(padding: String) {
        if (!padding.equals("NoPadding", ignoreCase = true)) throw javax.crypto.NoSuchPaddingException(padding)
    }

    override fun engineGetBlockSize(): Int = 16
    override fun engineGetOutputSize(inputLen: Int): Int = cipher().getOutputSize(inputLen)
    override fun engineGetIV(): ByteArray? = cipher().iv
    override fun engineGetParameters(): AlgorithmParameters? = cipher().parameters

    override fun engineInit(opmode: Int, key: Key, random: SecureRandom?) = init(opmode, key, null)

    override fun engineInit(opmode: Int, key: Key, params: AlgorithmParameterSpec?, random: SecureRandom?) =
        init(opmode, key, params)

    override fun engineInit(opmode: Int, key: Key, params: AlgorithmParameters?, random: SecureRandom?) =
        init(opmode, key, params?.getParameterSpec(GCMParameterSpec::class.java))

    private fun init(opmode: Int, key: Key, params: AlgorithmParameterSpec?) {
        val handle = key as? StandInSecretKey ?: throw InvalidKeyException("not an AndroidKeyStore key")
        val mode = if (opmode == Cipher.ENCRYPT_MODE) "ENCRYPT_MODE" else if (opmode == Cipher.DECRYPT_MODE) "DECRYPT_MODE" else "$opmode"
        StandIn.step("Cipher[AES/GCM/NoPadding].init($mode, ${handle.alias})")
        requireAuthentication(handle.alias)
        val cipher = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE")
        when (opmode) {
            // Android chooses the IV itself (randomized encryption).
            Cipher.ENCRYPT_MODE -> {
                if (params != null) throw InvalidAlgorithmParameterException("Caller-provided IV not permitted")
                cipher.init(Cipher.ENCRYPT_MODE, handle.inner)
                StandIn.lastIv = cipher.iv
            }
            Cipher.DECRYPT_MODE -> {
                val gcm = params as? GCMParameterSpec ?: throw InvalidAlgorithmParameterException("GCMParameterSpec needed")
                cipher.init(Cipher.DECRYPT_MODE, handle.inner, gcm)
            }
            else -> throw InvalidKeyException("purpose not authorized: $opmode")
        }
        inner = cipher
    }

    override fun engineUpdateAAD(src: ByteArray, offset: Int, len: Int) {
        StandIn.step("Cipher[AES/GCM/NoPadding].updateAAD(${String(src, offset, len, Charsets.US_ASCII)})")
        cipher().updateAAD(src, offset, len)
    }

    override fun engineUpdateAAD(src: ByteBuffer) {
        StandIn.step("Cipher[AES/GCM/NoPadding].updateAAD(${src.remaining()} bytes)")
        cipher().updateAAD(src)
    }

    override fun engineUpdate(input: ByteArray, inputOffset: Int, inputLen: Int): ByteArray? =
        cipher().update(input, inputOffset, inputLen)

    override fun engineUpdate(input: ByteArray, inputOffset: Int, inputLen: Int, output: ByteArray, outputOffset: Int): Int =
        cipher().update(input, inputOffset, inputLen, output, outputOffset)

    override fun engineDoFinal(input: ByteArray?, inputOffset: Int, inputLen: Int): ByteArray {
        StandIn.step("Cipher[AES/GCM/NoPadding].doFinal($inputLen bytes)")
        return cipher().doFinal(input, inputOffset, inputLen)
    }

    override fun engineDoFinal(input: ByteArray?, inputOffset: Int, inputLen: Int, output: ByteArray, outputOffset: Int): Int {
        StandIn.step("Cipher[AES/GCM/NoPadding].doFinal($inputLen bytes)")
        return cipher().doFinal(input, inputOffset, inputLen, output, outputOffset)
    }
}

/**
 * The stand-in's certificates for a new key, as Android makes them: with a
 * challenge, the attestation chain ([StandIn.minter]: leaf with the
 * KeyDescription extension, up to a root); without one, a single
 * self-signed certificate (`CN=fake`).
 */
object Attestation {
    fun chain(pair: KeyPair, spec: KeyGenParameterSpec): Array<Certificate> {
        val challenge = spec.attestationChallenge
            ?: return arrayOf(Certificates.mint("fake", pair.public, "fake", pair.private))
        val minter = StandIn.minter ?: throw ProviderException("no attestation minter set (StandIn.minter)")
        val level = StandIn.attestedLevel ?: if (spec.isStrongBoxBacked) "strongbox" else "tee"
        val factory = CertificateFactory.getInstance("X.509")
        return minter(pair.public.encoded, challenge, level)
            .map { factory.generateCertificate(it.inputStream()) }
            .toTypedArray()
    }
}
